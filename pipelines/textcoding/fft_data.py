"""Labelled FFT comments in the v6 framework file layout, and the respondent-grouped split.

The layout is that of `fft_comments_v6/train.csv` (pxtextmining's `v6framework` file): metadata
columns, then one 0/1 column per v6 sub-category. Any file in that layout can be read.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

COMMENT_ID = "Comment ID"
TEXT = "FFT answer"
RATING = "FFT categorical answer"
QUESTION = "FFT question"
SENTIMENT = "Comment sentiment"
RESPONDENT = "Respondent ID"
SETTING = "Service type 1"
META_COLUMNS = (
    COMMENT_ID, "Trust", RESPONDENT, "Date", SETTING, "Service type 2", RATING,
    QUESTION, TEXT, "Person identifiable info?", SENTIMENT,
)
# Coders give this to every blank comment and to nothing else: it is a rule on the text, not
# something to learn, and scoring it would inflate every figure.
NOT_CODABLE = "Labelling not possible"
# Answers that say there is no answer, read without their punctuation ("Did not answer.",
# "-", "!!!"): an independent probe found "Did not answer." coded Contacting services.
_NO_ANSWER = {"", "did not answer", "didnt answer", "didn t answer", "not answered", "no answer"}
_PUNCTUATION = re.compile(r"[\W_]+")

SPLIT_SEED = 20
SPLIT_TEST_SIZE = 0.2


# Emoji answers say how the visit went: a third probe's "👍" and "😡😡😡" were read as
# punctuation, so as no answer. Each is read as a word the framework rules and the model know.
EMOJI_WORDS = {
    **dict.fromkeys("👍👌👏🙂😊😀😃😄😁🥰😍⭐🌟💯", " great "),
    **dict.fromkeys("❤♥💕💖💗💙💚💜🙏", " thank you "),
    **dict.fromkeys("👎😡😠🤬😞☹🙁😢😭😤😒", " bad "),
}
_EMOJI = re.compile("[" + "".join(EMOJI_WORDS) + "]")


def spell_emoji(text: str) -> str:
    """`text` with each emoji of EMOJI_WORDS read as its word. (Most comments are plain
    ASCII: they skip the search, which every comment passes through more than once.)"""
    if text.isascii():
        return text
    return _EMOJI.sub(lambda found: EMOJI_WORDS[found.group()], text)


def is_blank(text: object) -> bool:
    """True for comments with nothing to code: missing (None, a pandas NaN), whitespace or
    punctuation alone, "Did not answer"."""
    return not isinstance(text, str) or \
        _PUNCTUATION.sub(" ", spell_emoji(text)).strip().casefold() in _NO_ANSWER


def question_kind(question: str | None) -> str:
    """pxtextmining's three question types: what_good, could_improve, nonspecific."""
    q = str(question or "").casefold()
    # "tell us why you gave your answer and what we could have done better" asks for both.
    if "why" in q or "satisfied" in q:
        return "nonspecific"
    if "improve" in q or "better" in q:
        return "could_improve"
    if "good" in q or "well" in q:
        return "what_good"
    return "nonspecific"


@dataclass(frozen=True)
class LabelledComments:
    """One row per comment with text; blank comments are dropped (they code to nothing)."""

    comment_ids: list[str]
    texts: list[str]
    ratings: list[int | None]
    questions: list[str | None]
    settings: list[str | None]
    respondents: np.ndarray
    categories: list[str]
    labels: np.ndarray  # comments x categories, 0/1
    sentiment: np.ndarray  # 1..5, 0 where not labelled

    def take(self, rows: np.ndarray) -> LabelledComments:
        return LabelledComments(
            comment_ids=[self.comment_ids[i] for i in rows],
            texts=[self.texts[i] for i in rows],
            ratings=[self.ratings[i] for i in rows],
            questions=[self.questions[i] for i in rows],
            settings=[self.settings[i] for i in rows],
            respondents=self.respondents[rows],
            categories=self.categories,
            labels=self.labels[rows],
            sentiment=self.sentiment[rows],
        )


def read_labelled(path: Path) -> tuple[pl.DataFrame, LabelledComments]:
    """The raw file and its codable comments. Raises SystemExit when the file is absent."""
    if not path.is_file():
        raise SystemExit(f"labelled FFT file not found: {path} (pass --data/--external <path>)")
    raw = pl.read_csv(path, infer_schema_length=0)
    required = (COMMENT_ID, TEXT, RATING, QUESTION, SENTIMENT, RESPONDENT)
    missing = [c for c in required if c not in raw.columns]
    if missing:
        raise SystemExit(f"{path} is not in the v6 layout: missing columns {missing}")
    categories = [c for c in raw.columns if c not in META_COLUMNS and c != NOT_CODABLE]
    codable = raw.filter(
        ~pl.col(TEXT).map_elements(is_blank, return_dtype=pl.Boolean).fill_null(True)
    )
    labels = codable.select(
        pl.col(c).cast(pl.Int8, strict=False).fill_null(0) for c in categories
    ).to_numpy()
    ratings = codable[RATING].cast(pl.Int64, strict=False).to_list()
    comments = LabelledComments(
        comment_ids=codable[COMMENT_ID].fill_null("").to_list(),
        texts=codable[TEXT].to_list(),
        ratings=ratings,
        questions=codable[QUESTION].to_list(),
        settings=(codable[SETTING] if SETTING in codable.columns
                  else pl.repeat(None, codable.height, dtype=pl.String)).to_list(),
        respondents=codable[RESPONDENT].fill_null("").to_numpy(),
        categories=categories,
        labels=labels.astype(np.int8),
        sentiment=codable[SENTIMENT].cast(pl.Int64, strict=False).fill_null(0).to_numpy(),
    )
    return raw, comments


def held_out_respondents(raw: pl.DataFrame, seed: int = SPLIT_SEED,
                         test_size: float = SPLIT_TEST_SIZE) -> set[str]:
    """Respondents held out for evaluation: a GroupShuffleSplit over every row of the file, so
    one respondent's comments never fall on both sides."""
    from sklearn.model_selection import GroupShuffleSplit

    groups = raw[RESPONDENT].fill_null("").to_numpy()
    split = GroupShuffleSplit(n_splits=1, test_size=test_size, random_state=seed)
    _, test_rows = next(split.split(np.zeros(len(groups)), groups=groups))
    return set(groups[test_rows].tolist())


def respondents_hash(respondents: set[str]) -> str:
    return hashlib.sha256("\n".join(sorted(respondents)).encode()).hexdigest()


def fingerprints(comments: LabelledComments) -> list[str]:
    """Short hashes of comment id and text: the artifact keeps these (not the comments) to
    recognise its training comments inside another file."""
    return [hashlib.sha256(f"{i}\x1f{t}".encode()).hexdigest()[:16]
            for i, t in zip(comments.comment_ids, comments.texts, strict=True)]
