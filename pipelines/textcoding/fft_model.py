"""The shipped FFT comment coder: v6 framework categories (multi-label) and sentiment 1..5.

    from pipelines.textcoding.fft_model import code_comments
    coded = code_comments(["The nurses were rude"], ratings=[5],
                          questions=["What could we do better?"], settings=["inpatient"])

The model lives in `models/fft_coder/` as numpy arrays (`model.npz`, `token_vectors.npz`) and
JSON (`model.json`: categories, thresholds, provenance, metrics), not as a pickle, so loading
needs neither scikit-learn nor a matching library version. Train it with `train_fft`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import scipy.sparse as sp

from pipelines.lib.settings import PROJECT_ROOT
from pipelines.textcoding.fft_data import is_blank
from pipelines.textcoding.fft_features import FeatureSpace, TfidfBlock, TokenVectors, normalise
from pipelines.textcoding.fft_rules import (
    ALWAYS_DECIDING,
    NOT_ASSIGNED,
    deciding_matrix,
    is_not_applicable,
    outside_setting,
    rule_matrix,
)

MODEL_DIR = PROJECT_ROOT / "models" / "fft_coder"
MODEL_FILE = "model.npz"
METADATA_FILE = "model.json"
TOKENS_FILE = "token_vectors.npz"


@dataclass
class LinearScores:
    """A linear model's weights, split as `FeatureSpace.blocks` splits feature rows: each part
    is multiplied by its own (the dense blocks made sparse and stacked beside the text cost a
    quarter of coding time), laid out features x outputs so no product copies them."""

    text: np.ndarray  # text_width x outputs
    dense: np.ndarray  # dense block columns x outputs
    bias: np.ndarray

    @classmethod
    def split(cls, weights: np.ndarray, bias: np.ndarray, text_width: int) -> LinearScores:
        """From `weights` as trained: outputs x features, the text columns first."""
        weights = weights.astype(np.float32)
        return cls(np.ascontiguousarray(weights[:, :text_width].T),
                   np.ascontiguousarray(weights[:, text_width:].T), bias)

    def __call__(self, blocks: tuple[sp.csr_matrix, np.ndarray]) -> np.ndarray:
        text, dense = blocks
        return text @ self.text + dense @ self.dense + self.bias


@dataclass
class FftCoder:
    categories: list[str]
    features: FeatureSpace
    category_scores: LinearScores  # NB-LR per category: the NB ratios folded in
    thresholds: np.ndarray  # inf for categories too rare to train
    rule_decides: np.ndarray  # categories a matching framework rule adds (fft_rules)
    sentiment_scores: LinearScores  # one output per sentiment class
    sentiment_classes: np.ndarray
    metadata: dict

    def code(self, texts: Sequence[str | None], ratings: Sequence | None = None,
             questions: Sequence[str | None] | None = None,
             settings: Sequence[str | None] | None = None) -> pl.DataFrame:
        """One row per comment, in input order: `categories` (list), `confidences` (one per
        category: the logistic of its margin over the threshold, 0.5 at the cut and towards 1
        far above it; 0.5 where the category's framework rule added it below the cut),
        `sentiment` (1 very positive .. 5 very negative) and `scores` (margin
        over each trained category's threshold). Blank and "Did not answer" comments get no
        categories and null sentiment. `settings` name each comment's service (a category
        bound to one kind of service, fft_rules.SETTING_BOUND, needs it)."""
        n = len(texts)
        ratings = list(ratings) if ratings is not None else [None] * n
        questions = list(questions) if questions is not None else [None] * n
        settings = list(settings) if settings is not None else [None] * n
        if not len(ratings) == len(questions) == len(settings) == n:
            raise ValueError("texts, ratings, questions and settings must have the same "
                             "length")
        rows = [i for i, t in enumerate(texts) if not is_blank(t)]
        trained = np.flatnonzero(np.isfinite(self.thresholds))
        margins = np.full((n, len(trained)), np.nan)
        chosen = np.zeros((n, len(self.categories)), dtype=bool)
        sentiment = np.zeros(n, dtype=np.int8)
        confidence = np.zeros(chosen.shape)
        if rows:
            args = ([texts[i] for i in rows], [ratings[i] for i in rows],
                    [questions[i] for i in rows])
            normalised = [normalise(t) for t in args[0]]
            # The rules are matched once: a feature block, then what deciding rules add.
            rules = rule_matrix(normalised, self.features.rule_categories)
            x = self.features.blocks(*args, normalised=normalised, rules=rules)
            found = self.category_scores(x) - self.thresholds
            found = self._apply_rules(found, normalised, rules, [settings[i] for i in rows])
            chosen[rows] = found >= 0
            margins[rows] = found[:, trained]
            logits = self.sentiment_scores(x)
            sentiment[rows] = self.sentiment_classes[logits.argmax(axis=1)]
            with np.errstate(over="ignore"):  # untrained categories: margin -inf, confidence 0
                confidence[rows] = 1 / (1 + np.exp(-found))
        names = np.array(self.categories)
        return pl.DataFrame({
            "categories": _rows_of(chosen, np.broadcast_to(names, chosen.shape)),
            "confidences": _rows_of(chosen, np.round(confidence, 3)),
            "sentiment": pl.Series(sentiment, dtype=pl.Int8).replace(0, None),
            "scores": pl.DataFrame(margins, schema=names[trained].tolist(), orient="row")
            .fill_nan(None).to_struct(),
        })

    def _apply_rules(self, found: np.ndarray, normalised: list[str], rules: np.ndarray,
                     settings: list[str | None]) -> np.ndarray:
        """Margins after the framework rules: a category bound to another kind of service is
        dropped (margin -inf); a category a deciding rule adds sits at the cut (margin 0,
        confidence 0.5); "N/A" is Not assigned alone; Not assigned means no other category
        applies, so it is dropped where another one is given."""
        found = np.where(outside_setting(settings, self.categories), -np.inf, found)
        column = {name: j for j, name in enumerate(self.categories)}
        matched = np.zeros(found.shape, dtype=bool)
        matched[:, [column[c] for c in self.features.rule_categories]] = rules.astype(bool)
        matched = deciding_matrix(normalised, self.categories, matched).astype(bool)
        decides = ((matched & self.rule_decides)
                   | rule_matrix(normalised, self.categories, ALWAYS_DECIDING).astype(bool))
        found = one_general_experience(np.where(decides & (found < 0), 0.0, found),
                                       self.categories)
        not_assigned = column[NOT_ASSIGNED]
        only_na = is_not_applicable(normalised)
        found[only_na] = -np.inf
        found[only_na, not_assigned] = 0.0
        others = np.delete(found, not_assigned, axis=1)
        found[(others >= 0).any(axis=1), not_assigned] = -np.inf
        return found


POSITIVE, NEGATIVE = "Positive experience & gratitude", "Negative experience & dissatisfaction"


def one_general_experience(margins: np.ndarray, categories: list[str]) -> np.ndarray:
    """`margins` with the weaker of Positive and Negative experience dropped (-inf) where
    both pass: the coders gave both to 7 of the 5,424 labelled comments (long, mixed ones),
    and the model gave both to short answers such as "Nothing" at middling ratings."""
    positive, negative = categories.index(POSITIVE), categories.index(NEGATIVE)
    rows = np.flatnonzero((margins[:, positive] >= 0) & (margins[:, negative] >= 0))
    weaker = np.where(margins[rows, positive] >= margins[rows, negative], negative, positive)
    margins = margins.copy()
    margins[rows, weaker] = -np.inf
    return margins


def _rows_of(chosen: np.ndarray, values: np.ndarray) -> pl.Series:
    """A list column: per row, the `values` where `chosen`, in column order. Built from
    offsets in Arrow: a Python list per comment cost a quarter of coding time."""
    offsets = np.concatenate([[0], np.cumsum(chosen.sum(axis=1))]).astype(np.int64)
    return pl.Series(pa.LargeListArray.from_arrays(offsets, pa.array(values[chosen])))


def _metadata(model_dir: Path) -> dict:
    path = model_dir / METADATA_FILE
    if not path.is_file():
        raise FileNotFoundError(f"no FFT coder in {model_dir}: run pipelines.textcoding.train_fft")
    return json.loads(path.read_text())


def model_version(model_dir: Path = MODEL_DIR) -> str:
    """The stored coder's version, read without loading its arrays."""
    return _metadata(model_dir)["version"]


@lru_cache(maxsize=4)
def load_coder(model_dir: Path = MODEL_DIR) -> FftCoder:
    """The coder stored in `model_dir` (cached: loading takes a fraction of a second)."""
    metadata = _metadata(model_dir)
    with np.load(model_dir / MODEL_FILE, allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files}
    features = FeatureSpace(
        words=TfidfBlock("words", arrays["word_terms"], arrays["word_idf"]),
        chars=TfidfBlock("chars", arrays["char_terms"], arrays["char_idf"]),
        question_words=TfidfBlock("question_words", arrays["question_word_terms"],
                                  arrays["question_word_idf"]),
        token_vectors=TokenVectors.load(model_dir / TOKENS_FILE),
        token_idf=arrays["token_idf"],
        rule_categories=arrays["rule_categories"].tolist(),
    )
    return FftCoder(
        categories=metadata["categories"],
        features=features,
        category_scores=LinearScores.split(arrays["category_weights"], arrays["category_bias"],
                                           features.text_width),
        thresholds=arrays["thresholds"],
        rule_decides=arrays["rule_decides"],
        sentiment_scores=LinearScores.split(arrays["sentiment_weights"],
                                            arrays["sentiment_bias"], features.text_width),
        sentiment_classes=arrays["sentiment_classes"],
        metadata=metadata,
    )


def code_comments(texts: Sequence[str | None], ratings: Sequence | None = None,
                  questions: Sequence[str | None] | None = None,
                  settings: Sequence[str | None] | None = None,
                  model_dir: Path = MODEL_DIR) -> pl.DataFrame:
    """Code FFT comments with the shipped model; see `FftCoder.code`."""
    return load_coder(model_dir).code(texts, ratings, questions, settings)
