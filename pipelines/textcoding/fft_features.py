"""Features of an FFT comment, computed the same way at training and at coding time.

Six blocks, each scaled by a weight, side by side in one row (sparse for training; coding
takes the TF-IDF blocks sparse and the others dense, `FeatureSpace.blocks`):
- word 1-2 gram TF-IDF and word-prefix TF-IDF (sublinear tf, smooth idf, l2 rows, terms seen
  in at least two training comments), which carry the topic. The character n-grams are the
  prefixes of each word (its first 2..6 letters, anchored at the word's start): they tolerate
  misspelt or inflected endings ("dischared", "discharging") without ever matching a piece
  from inside another word. Within-word n-grams did: "charges" shares "charg" and "harge"
  with "discharge", and "TV charges too high" was coded Discharge;
- the same words, each paired with the kind of question answered (TF-IDF as above): "nothing"
  or "the staff" in answer to "what could we do better?" says something other than in
  answer to "what was good?", and a word alone cannot tell them apart;
- the FFT rating and the question asked ("what was good?" vs "what could we do better?"):
  the same "None." to "how could we improve?" is praise from someone who rated the service
  very good (1) and a complaint from someone who rated it very poor (5);
- an idf-weighted mean of static token vectors distilled from all-MiniLM-L6-v2
  (`token_vectors.npz`), which lets a comment match a category through a synonym it shares
  with no training comment. Only words that are whole tokens of the vocabulary count: a
  word WordPiece would split ("surcharges" -> sur ##charge ##s) adds nothing rather than
  the vectors of its fragments;
- one column per framework lexicon rule (`fft_rules.LEXICON`), 1 where it matches.
Everything is plain numpy, scipy and polars, so coding needs neither scikit-learn nor torch.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import scipy.sparse as sp

from pipelines.textcoding.fft_data import question_kind, spell_emoji
from pipelines.textcoding.fft_rules import LEXICON, rule_matrix
from pipelines.textcoding.wordpiece import WordPiece

WORD_NGRAMS = (1, 2)
# Word prefixes of 2..6 characters (plus the whole word, marked, when it is shorter).
CHAR_NGRAMS = (2, 6)
MIN_DOCUMENT_FREQUENCY = 2
# Chosen during development by grouped cross-validation on the training part only;
# train_fft then tunes the category models' C and the thresholds.
# The text blocks (TF-IDF, naive-Bayes scaled in training) come first.
BLOCK_WEIGHTS = {"words": 1.0, "chars": 1.0, "question_words": 1.0, "context": 0.5,
                 "tokens": 1.0, "rules": 1.0}
TEXT_BLOCKS = ("words", "chars", "question_words")

# A word: letters, digits and underscores (what Python's `\w` matches), joined by & or an
# apostrophe. Spelt out because polars' regex engine counts marks, such as the emoji
# variation selector in "❤️", as word characters under `\w` and Python does not.
WORD = r"[\p{L}\p{N}_]+(?:[&'’][\p{L}\p{N}_]+)*"
_QUESTIONS = ("what_good", "could_improve", "nonspecific")
# Rating bands for the question x rating interaction: positive, neutral, negative.
_BANDS = ((1, 2), (3, 3), (4, 5))
_BAND_OF_RATING = np.array([0] + [b for b, (lo, hi) in enumerate(_BANDS)
                                  for _ in range(lo, hi + 1)])  # by rating 1..5
CONTEXT_COLUMNS = (
    [f"rating_{r}" for r in (1, 2, 3, 4, 5)] + ["rating_other"]
    + [f"question_{q}" for q in _QUESTIONS]
    + [f"{q}_rating_{lo}_{hi}" for q in _QUESTIONS for lo, hi in _BANDS]
)


# Text-speak and shorthand patients type, spelt out so the word features and the framework
# rules read them ("w8ed 6hrs", "no1 came", "pls"): only forms with no other reading.
SHORTHAND = {
    "w8": "wait", "w8ed": "waited", "w8ing": "waiting", "w8s": "waits", "u": "you",
    "ur": "your", "pls": "please", "plz": "please", "thx": "thanks", "thanx": "thanks",
    "gr8": "great", "b4": "before", "no1": "no one", "any1": "anyone", "sum1": "someone",
    "every1": "everyone", "2day": "today", "2moro": "tomorrow", "ppl": "people",
    "cos": "because", "coz": "because", "cuz": "because", "appt": "appointment",
    "appts": "appointments", "hrs": "hours", "mins": "minutes",
    # British words for food and thanks no training comment has (a fourth probe: "couldn't
    # get a cuppa after 9pm", "cheers for everything" coded nothing).
    "cuppa": "cup of tea", "cuppas": "cups of tea", "brew": "cup of tea",
    "brews": "cups of tea", "butty": "sandwich", "butties": "sandwiches", "grub": "food",
    "cheers": "thanks", "ta": "thanks",
}
# Not inside a word or an abbreviation ("u/s"); after a number it is spelt apart ("6hrs").
_SHORTHAND = re.compile(r"(?<![^\W\d]|/)(?:" + "|".join(sorted(SHORTHAND, key=len, reverse=True))
                        + r")(?![\w/])")

# Words that name one thing together, joined so that neither part reads as another topic: in
# the training comments "car" alone is hospital transport ("the car was late"), and a car park
# is parking (whose framework rule reads "carpark").
COMPOUNDS = {"car park": "carpark", "car parks": "carparks", "car parking": "parking"}
_COMPOUND = re.compile(r"\b(?:" + "|".join(sorted(COMPOUNDS, key=len, reverse=True)) + r")\b")


# A word in another sense, read as a word of that sense, so that neither the word features
# nor the framework rules take it for the category it usually names (a third probe found each
# on 10 to 12 variants): a wound's or an ear's "discharge" is fluid, not leaving hospital; a
# "water infection" is a urine infection and a "water birth" a pool birth, not a drink; "some
# kind of virus" says nothing of kindness; a cold ward is a chilly one, as a hot one is
# overheated (fft_rules.ALWAYS_DECIDING reads both as Sensory experience). Each is tried only
# where one of its words is in the text.
_BODY_PART = (r"(?:wounds?|eyes?|ears?|nose|scar|stitches|cut|vagina|nipples?|c-?section"
              r"|caesarean|section|incision|belly button|cord|ulcer|drain( site)?|stoma|abscess"
              r"|boil|piercing|gums?|tooth|penis|bottom)")
# A place where patients wait or stay, whose heat or cold is the ward's, not the food's (in
# the training comments "hot" and "cold" are mostly food and drinks: probes found a hot ward
# coded Food & drink 7 times in 8, a cold one 8 times in 9).
_PLACE = (r"(?:wards?|rooms?|bedrooms?|bays?|units?|departments?|clinics?|waiting (?:room|area)s?"
          r"|building|corridors?|cubicles?|side rooms?|theatres?|suites?|(?:\w+'s )?ward)")
_IS = r"(?:was|is|were|are|gets|got|felt|feels|became|can be|could be|being)"
_COLD = r"(?:freezing cold|bitterly cold|cold|freezing|chilly|icy)"
# What a text must hold for a sense's patterns to be tried (a quick test before the regex).
_HOT, _COLD_WORDS = ("hot", "boil", "roast", "swelter"), ("cold", "freez", "chill", "icy")
SENSES = [
    (_HOT, re.compile(r"\b(" + _PLACE + " " + _IS + r"(?: \w+){0,2}) (?:hot|boiling|roasting"
                      r"|sweltering)\b"), r"\1 overheated"),
    (_HOT, re.compile(r"\b(?:hot|boiling|roasting|sweltering)((?: and (?:stuffy|humid|airless"
                      r"|noisy))? (?:on|in) (?:the |our |my |a )?(?:\w+ )?" + _PLACE + r")\b"),
     r"overheated\1"),
    (_HOT, re.compile(r"\b(" + _PLACE + " " + _IS + r"(?: \w+){0,3}) and hot\b"),
     r"\1 and overheated"),
    # A cold ward, like a hot one (a fourth probe: coded Food & drink 8 times in 9).
    (_COLD_WORDS, re.compile(r"\b(" + _PLACE + " " + _IS + r"(?: \w+){0,2}) " + _COLD + r"\b"),
     r"\1 chilly"),
    (_COLD_WORDS, re.compile(r"\b" + _COLD + r"((?: and (?:draughty|drafty|damp))? (?:on|in) "
                             r"(?:the |our |my |a )?(?:\w+ )?" + _PLACE + r")\b"), r"chilly\1"),
    (_COLD_WORDS, re.compile(r"\b(" + _PLACE + " " + _IS + r"(?: \w+){0,3}) " + _COLD
                             + r" and (draughty|drafty|damp)\b"), r"\1 chilly and \2"),
    (_COLD_WORDS, re.compile(r"\b" + _COLD + r" (" + _PLACE + r")\b"), r"chilly \1"),
    # A syringe driver is a pump, not a driver who takes patients home (a fourth probe).
    (("driver",), re.compile(r"\bsyringe driver(s?)\b"), r"syringe pump\1"),
    (("discharge",), re.compile(r"\b(ear|eye|wound|vaginal|nasal|nipple|penile|green|yellow|smelly"
                                r"|bloody|watery|sticky) discharge\b"), r"\1 fluid"),
    (("discharge",), re.compile(r"\bdischarge (from|coming from|out of|oozing from|leaking from)"
                                r" ((?:my |his |her |the |your |their |baby'?s? )?(?:\w+ )?"
                                + _BODY_PART + r")\b"), r"fluid \1 \2"),
    (("water",), re.compile(r"\bwater (infections?)\b"), r"urine \1"),
    (("water",), re.compile(r"\bwater (births?)\b"), r"pool \1"),
    (("kind",), re.compile(r"\bkind of\b"), "sort of"),
    (("kind",), re.compile(r"\bkinds of\b"), "sorts of"),
]


# Every word the SENSES look for, in one pattern: most comments hold none, and one search of a
# comment cost a third of the time of a test per sense (normalising was two fifths of coding).
_SENSE_WORDS = re.compile("|".join(sorted({re.escape(word) for words, _, _ in SENSES
                                           for word in words})))


def normalise(text: str) -> str:
    """Lower case, accents stripped, emoji and shorthand spelt out, whitespace collapsed,
    words in another sense read as that sense (SENSES), compounds joined."""
    if text.isascii():
        text = " ".join(text.lower().split())
    else:
        text = unicodedata.normalize("NFKD", spell_emoji(text).lower())
        text = " ".join("".join(c for c in text if not unicodedata.combining(c)).split())
    text = _SHORTHAND.sub(lambda found: (" " if found.start() and text[found.start() - 1]
                                         .isdigit() else "") + SHORTHAND[found.group()], text)
    # A sense is read only where one of its words is in the text, so no word, no reading.
    if _SENSE_WORDS.search(text):
        for words, sense, reading in SENSES:
            if any(word in text for word in words):
                text = sense.sub(reading, text)
    return _COMPOUND.sub(lambda found: COMPOUNDS[found.group()], text)


def word_char_terms(word: str) -> list[str]:
    """The prefixes of one word, 2..6 characters long, each marked with a leading space
    (" disc"); a word no longer than 6 characters also gives itself marked at both ends
    (" tv "), so a short word is told apart from the start of a longer one."""
    terms = [" " + word[:n] for n in range(CHAR_NGRAMS[0], min(len(word), CHAR_NGRAMS[1]) + 1)]
    if len(word) <= CHAR_NGRAMS[1]:
        terms.append(f" {word} ")
    return terms


def analysed(normalised: list[str], analyser: str,
             questions: list[str] | None = None) -> pl.DataFrame:
    """One row per term occurrence, `doc` (the text's position) and `term`: word 1-2 grams
    (`"words"`), word prefixes as `word_char_terms` gives them (`"chars"`), or each word
    after the kind of question the text answers (`"question_words"`: "could_improve:staff";
    `questions` holds each text's `question_kind`).

    Worked out column-wise in polars, matching `WORD` as Python's `\\w+(?:[&'’]\\w+)*` does: a
    Python loop over every word of every text took most of the narrative classifier's
    nightly time and a third of FFT coding."""
    words = (
        pl.DataFrame({"text": normalised}, schema={"text": pl.String})
        .select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("doc"),
                pl.col("text").str.extract_all(WORD).alias("term"))
        .explode("term")
        .drop_nulls("term")
    )
    if analyser == "question_words":
        kinds = pl.Series(questions, dtype=pl.String).gather(words["doc"])
        return words.select("doc", pl.concat_str(pl.lit(kinds), pl.lit(":"), "term")
                            .alias("term"))
    if analyser == "words":
        # A text's words are consecutive rows, in order: an n-gram is a row and the n - 1
        # after it, where they belong to the same text.
        return pl.concat([
            words.select("doc", pl.when(pl.col("doc").shift(1 - n) == pl.col("doc")).then(
                pl.concat_str([pl.col("term").shift(-k) for k in range(n)], separator=" ")
            )).drop_nulls("term")
            for n in range(WORD_NGRAMS[0], WORD_NGRAMS[1] + 1)
        ])
    # One frame per prefix length (a list per word, exploded, took ten times as long); the
    # order of a text's terms does not matter to the counts.
    length, word = pl.col("term").str.len_chars(), pl.col("term")
    low, high = CHAR_NGRAMS
    return pl.concat(
        [words.filter(length >= n).select("doc", (" " + word.str.slice(0, n)).alias("term"))
         for n in range(low, high + 1)]
        + [words.filter(length <= high).select("doc", (" " + word + " ").alias("term"))]
    )


def _l2_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ matrix)


def smooth_idf(document_frequency: np.ndarray, documents: int) -> np.ndarray:
    return np.log((1 + documents) / (1 + document_frequency)) + 1


@dataclass
class TfidfBlock:
    """TF-IDF over the terms `analysed` gives (`analyser`: "words", "chars" or
    "question_words", which needs each text's question kind)."""

    analyser: str
    terms: np.ndarray
    idf: np.ndarray

    def __post_init__(self) -> None:
        self.columns = pl.DataFrame({"term": self.terms.tolist()}, schema={"term": pl.String}) \
            .with_row_index("column")

    @classmethod
    def fit(cls, analyser: str, normalised: list[str],
            questions: list[str] | None = None) -> TfidfBlock:
        frequency = (
            analysed(normalised, analyser, questions).unique()
            .group_by("term").len("documents")
            .filter(pl.col("documents") >= MIN_DOCUMENT_FREQUENCY)
            .sort("term")  # code point order, as Python sorts strings
        )
        return cls(analyser, np.array(frequency["term"].to_list(), dtype=str),
                   smooth_idf(frequency["documents"].to_numpy().astype(np.float64),
                              len(normalised)))

    def transform(self, normalised: list[str],
                  questions: list[str] | None = None) -> sp.csr_matrix:
        found = analysed(normalised, self.analyser, questions).join(self.columns, on="term")
        # One entry per occurrence: scipy sums them as it builds the matrix, giving each
        # term's count in canonical (row, column) order whatever order polars joined them in.
        matrix = sp.csr_matrix(
            (np.ones(len(found)), (found["doc"].to_numpy(), found["column"].to_numpy())),
            shape=(len(normalised), len(self.terms)),
        )
        matrix.data = (1 + np.log(matrix.data)) * self.idf[matrix.indices]
        return _l2_rows(matrix)


@dataclass
class TokenVectors:
    """Static vectors for the MiniLM WordPiece vocabulary (int8 on disk, one scale per dim)."""

    tokens: np.ndarray
    vectors: np.ndarray

    def __post_init__(self) -> None:
        self.wordpiece = WordPiece(self.tokens.tolist())

    @classmethod
    def load(cls, path: Path) -> TokenVectors:
        with np.load(path, allow_pickle=False) as stored:
            vectors = stored["vectors"].astype(np.float32) * stored["scale"]
            return cls(stored["tokens"], vectors)

    def counts(self, texts: list[str]) -> sp.csr_matrix:
        """Texts x tokens: how often each text has each token as a whole word (an emoji read
        as its word, as `normalise` reads it)."""
        docs, ids = self.wordpiece.whole_word_occurrences([spell_emoji(t) for t in texts])
        return sp.csr_matrix((np.ones(len(ids)), (docs, ids)),
                             shape=(len(texts), len(self.tokens)))

    def idf(self, counts: sp.csr_matrix) -> np.ndarray:
        frequency = np.bincount(counts.indices, minlength=len(self.tokens))
        return smooth_idf(frequency, counts.shape[0]).astype(np.float32)

    def pooled(self, counts: sp.csr_matrix, idf: np.ndarray) -> np.ndarray:
        weights = counts.copy()
        weights.data *= idf[weights.indices]
        pooled = np.asarray(weights @ self.vectors)
        norms = np.sqrt(np.einsum("ij,ij->i", pooled, pooled))[:, None]
        return pooled / np.where(norms == 0, 1, norms)


def context_features(ratings: list, kinds: list[str]) -> np.ndarray:
    """One-hot FFT rating (1..5, anything else) and question type (`kinds`, each question's
    `question_kind`), and their interaction."""
    n = len(ratings)
    rating = np.fromiter(map(_rating, ratings), dtype=np.int64, count=n)  # 0: no rating
    question = np.fromiter(map(_QUESTIONS.index, kinds), dtype=np.int64, count=n)
    rows = np.zeros((n, len(CONTEXT_COLUMNS)), dtype=np.float64)
    everyone = np.arange(n)
    rows[everyone, np.where(rating > 0, rating - 1, 5)] = 1
    rows[everyone, 6 + question] = 1
    rated = np.flatnonzero(rating > 0)
    rows[rated, 9 + 3 * question[rated] + _BAND_OF_RATING[rating[rated]]] = 1
    return rows


def _rating(value: object) -> int:
    """The FFT rating 1..5, or 0 for anything else."""
    try:
        rating = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0
    return rating if 1 <= rating <= 5 else 0


@dataclass
class FeatureSpace:
    words: TfidfBlock
    chars: TfidfBlock
    question_words: TfidfBlock
    token_vectors: TokenVectors
    token_idf: np.ndarray
    rule_categories: list[str]

    @classmethod
    def fit(cls, texts: list[str], questions: list,
            token_vectors: TokenVectors) -> FeatureSpace:
        normalised = [normalise(t) for t in texts]
        return cls(
            words=TfidfBlock.fit("words", normalised),
            chars=TfidfBlock.fit("chars", normalised),
            question_words=TfidfBlock.fit("question_words", normalised,
                                          [question_kind(q) for q in questions]),
            token_vectors=token_vectors,
            token_idf=token_vectors.idf(token_vectors.counts(texts)),
            rule_categories=list(LEXICON),
        )

    @property
    def text_width(self) -> int:
        """Number of TF-IDF columns (words, prefixes, question words), which come first."""
        return len(self.words.terms) + len(self.chars.terms) + len(self.question_words.terms)

    @property
    def width(self) -> int:
        return (self.text_width + len(CONTEXT_COLUMNS) + self.token_vectors.vectors.shape[1]
                + len(self.rule_categories))

    def transform(self, texts: list[str], ratings: list, questions: list) -> sp.csr_matrix:
        """Feature rows, every block side by side (what the models are trained on)."""
        text, dense = self.blocks(texts, ratings, questions)
        return sp.hstack([text, sp.csr_matrix(dense)], format="csr")

    def blocks(self, texts: list[str], ratings: list, questions: list,
               normalised: list[str] | None = None,
               rules: np.ndarray | None = None) -> tuple[sp.csr_matrix, np.ndarray]:
        """The feature rows in two parts, each block weighted: the TF-IDF blocks (the first
        `text_width` columns, sparse) and the rest (context, token vectors, rules: dense),
        which coding multiplies by their own share of the weights (fft_model.LinearScores).
        `normalised` (the texts through `normalise`) and `rules` (their rule_matrix over
        `rule_categories`) save redoing them."""
        normalised = normalised if normalised is not None else [normalise(t) for t in texts]
        rules = rules if rules is not None else rule_matrix(normalised, self.rule_categories)
        kinds = [question_kind(q) for q in questions]
        blocks = {
            "words": self.words.transform(normalised),
            "chars": self.chars.transform(normalised),
            "question_words": self.question_words.transform(normalised, kinds),
            "context": context_features(ratings, kinds),
            "tokens": self.token_vectors.pooled(self.token_vectors.counts(texts),
                                                self.token_idf),
            "rules": rules,
        }
        weighted = {name: blocks[name] * w for name, w in BLOCK_WEIGHTS.items()}
        text = sp.hstack([weighted.pop(name) for name in TEXT_BLOCKS], format="csr")
        return text, np.hstack(list(weighted.values()), dtype=np.float32)
