"""Features of an FFT comment, computed the same way at training and at coding time.

Five blocks, each scaled by a weight, side by side in one sparse row:
- word 1-2 gram TF-IDF and word-prefix TF-IDF (sublinear tf, smooth idf, l2 rows, terms seen
  in at least two training comments), which carry the topic. The character n-grams are the
  prefixes of each word (its first 2..6 letters, anchored at the word's start): they tolerate
  misspelt or inflected endings ("dischared", "discharging") without ever matching a piece
  from inside another word. Within-word n-grams did: "charges" shares "charg" and "harge"
  with "discharge", and "TV charges too high" was coded Discharge;
- the FFT rating and the question asked ("what was good?" vs "what could we do better?"):
  the same "None." to "how could we improve?" is praise from someone who rated the service
  very good (1) and a complaint from someone who rated it very poor (5);
- an idf-weighted mean of static token vectors distilled from all-MiniLM-L6-v2
  (`token_vectors.npz`), which lets a comment match a category through a synonym it shares
  with no training comment. Only words that are whole tokens of the vocabulary count: a
  word WordPiece would split ("surcharges" -> sur ##charge ##s) adds nothing rather than
  the vectors of its fragments;
- one column per framework lexicon rule (`fft_rules.LEXICON`), 1 where it matches.
Everything is plain numpy/scipy, so coding needs neither scikit-learn nor torch.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from pipelines.textcoding.fft_data import question_kind
from pipelines.textcoding.fft_rules import LEXICON, rule_matrix
from pipelines.textcoding.wordpiece import WordPiece

WORD_NGRAMS = (1, 2)
# Word prefixes of 2..6 characters (plus the whole word, marked, when it is shorter).
CHAR_NGRAMS = (2, 6)
MIN_DOCUMENT_FREQUENCY = 2
# Chosen during development by grouped cross-validation on the training part only;
# train_fft then tunes the category models' C and the thresholds.
BLOCK_WEIGHTS = {"words": 1.0, "chars": 1.0, "context": 0.5, "tokens": 1.0, "rules": 1.0}

_WORD = re.compile(r"\w+(?:[&'’]\w+)*")
_QUESTIONS = ("what_good", "could_improve", "nonspecific")
# Rating bands for the question x rating interaction: positive, neutral, negative.
_BANDS = ((1, 2), (3, 3), (4, 5))
CONTEXT_COLUMNS = (
    [f"rating_{r}" for r in (1, 2, 3, 4, 5)] + ["rating_other"]
    + [f"question_{q}" for q in _QUESTIONS]
    + [f"{q}_rating_{lo}_{hi}" for q in _QUESTIONS for lo, hi in _BANDS]
)


def normalise(text: str) -> str:
    """Lower case, accents stripped, whitespace collapsed."""
    if text.isascii():
        return " ".join(text.lower().split())
    text = unicodedata.normalize("NFKD", text.lower())
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).split())


def word_terms(text: str) -> list[str]:
    words = _WORD.findall(text)
    return [" ".join(words[i:i + n]) for n in range(WORD_NGRAMS[0], WORD_NGRAMS[1] + 1)
            for i in range(len(words) - n + 1)]


def word_char_terms(word: str) -> list[str]:
    """The prefixes of one word, 2..6 characters long, each marked with a leading space
    (" disc"); a word no longer than 6 characters also gives itself marked at both ends
    (" tv "), so a short word is told apart from the start of a longer one."""
    terms = [" " + word[:n] for n in range(CHAR_NGRAMS[0], min(len(word), CHAR_NGRAMS[1]) + 1)]
    if len(word) <= CHAR_NGRAMS[1]:
        terms.append(f" {word} ")
    return terms


def char_terms(text: str) -> list[str]:
    return [term for word in _WORD.findall(text) for term in word_char_terms(word)]


def _l2_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ matrix)


def _count_rows(docs: list[list[int]], width: int) -> sp.csr_matrix:
    """Counts of column numbers per document."""
    indptr, indices, counts = [0], [], []
    for doc in docs:
        counted = Counter(doc)
        indices += counted.keys()
        counts += counted.values()
        indptr.append(len(indices))
    return sp.csr_matrix(
        (np.asarray(counts, dtype=np.float64), np.asarray(indices, dtype=np.int64), indptr),
        shape=(len(docs), width),
    )


def smooth_idf(document_frequency: np.ndarray, documents: int) -> np.ndarray:
    return np.log((1 + documents) / (1 + document_frequency)) + 1


@dataclass
class TfidfBlock:
    """TF-IDF over word n-grams (`analyser="words"`) or word prefixes (`"chars"`)."""

    analyser: str
    terms: np.ndarray
    idf: np.ndarray

    def __post_init__(self) -> None:
        self.index = {t: i for i, t in enumerate(self.terms.tolist())}
        # Prefixes belong to one word, so a word's columns are worked out once.
        self._word_columns = lru_cache(maxsize=100_000)(self._char_columns)

    @classmethod
    def fit(cls, analyser: str, normalised: list[str]) -> TfidfBlock:
        analyse = word_terms if analyser == "words" else char_terms
        frequency = Counter(t for text in normalised for t in set(analyse(text)))
        terms = sorted(t for t, f in frequency.items() if f >= MIN_DOCUMENT_FREQUENCY)
        df = np.array([frequency[t] for t in terms], dtype=np.float64)
        return cls(analyser, np.array(terms, dtype=str), smooth_idf(df, len(normalised)))

    def _char_columns(self, word: str) -> tuple[int, ...]:
        return tuple(self.index[t] for t in word_char_terms(word) if t in self.index)

    def columns(self, text: str) -> list[int]:
        if self.analyser == "chars":
            return [c for word in _WORD.findall(text) for c in self._word_columns(word)]
        return [self.index[t] for t in word_terms(text) if t in self.index]

    def transform(self, normalised: list[str]) -> sp.csr_matrix:
        counts = _count_rows([self.columns(t) for t in normalised], len(self.terms))
        counts.data = (1 + np.log(counts.data)) * self.idf[counts.indices]
        return _l2_rows(counts)


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

    def encode(self, texts: list[str]) -> list[list[int]]:
        return [self.wordpiece.encode_whole_words(t) for t in texts]

    def idf(self, encoded: list[list[int]]) -> np.ndarray:
        frequency = np.zeros(len(self.tokens))
        for ids in encoded:
            frequency[list(set(ids))] += 1
        return smooth_idf(frequency, len(encoded)).astype(np.float32)

    def pooled(self, encoded: list[list[int]], idf: np.ndarray) -> np.ndarray:
        weights = _count_rows(encoded, len(self.tokens))
        weights.data *= idf[weights.indices]
        return _l2_rows(sp.csr_matrix(weights @ self.vectors)).toarray()


def context_features(ratings: list, questions: list) -> np.ndarray:
    """One-hot FFT rating (1..5, anything else) and question type, and their interaction."""
    rows = np.zeros((len(ratings), len(CONTEXT_COLUMNS)), dtype=np.float64)
    for i, (rating, question) in enumerate(zip(ratings, questions, strict=True)):
        r = _rating(rating)
        rows[i, r - 1 if r else 5] = 1
        q = _QUESTIONS.index(question_kind(question))
        rows[i, 6 + q] = 1
        for b, (lo, hi) in enumerate(_BANDS):
            if r and lo <= r <= hi:
                rows[i, 9 + 3 * q + b] = 1
    return rows


def _rating(value: object) -> int | None:
    try:
        rating = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return rating if 1 <= rating <= 5 else None


@dataclass
class FeatureSpace:
    words: TfidfBlock
    chars: TfidfBlock
    token_vectors: TokenVectors
    token_idf: np.ndarray
    rule_categories: list[str]

    @classmethod
    def fit(cls, texts: list[str], token_vectors: TokenVectors) -> FeatureSpace:
        normalised = [normalise(t) for t in texts]
        return cls(
            words=TfidfBlock.fit("words", normalised),
            chars=TfidfBlock.fit("chars", normalised),
            token_vectors=token_vectors,
            token_idf=token_vectors.idf(token_vectors.encode(texts)),
            rule_categories=list(LEXICON),
        )

    @property
    def text_width(self) -> int:
        """Number of word and character columns, which come first."""
        return len(self.words.terms) + len(self.chars.terms)

    @property
    def width(self) -> int:
        return (self.text_width + len(CONTEXT_COLUMNS) + self.token_vectors.vectors.shape[1]
                + len(self.rule_categories))

    def transform(self, texts: list[str], ratings: list, questions: list,
                  normalised: list[str] | None = None) -> sp.csr_matrix:
        """Feature rows; `normalised` (the texts through `normalise`) saves redoing it."""
        normalised = normalised if normalised is not None else [normalise(t) for t in texts]
        blocks = {
            "words": self.words.transform(normalised),
            "chars": self.chars.transform(normalised),
            "context": sp.csr_matrix(context_features(ratings, questions)),
            "tokens": sp.csr_matrix(self.token_vectors.pooled(
                self.token_vectors.encode(texts), self.token_idf)),
            "rules": sp.csr_matrix(rule_matrix(normalised, self.rule_categories)),
        }
        return sp.hstack([blocks[name] * w for name, w in BLOCK_WEIGHTS.items()], format="csr")
