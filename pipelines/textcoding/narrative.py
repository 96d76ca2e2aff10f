"""A narrative classifier learnt each night from the trust's own specifically coded records.

Every incident, complaint and SJR that a person filed under a *specific* code (one that
theme_code_map maps to a theme) is a labelled example of what that theme's narrative looks
like at this trust. The classifier learns from them and themes the records filed under
generic, missing or unmapped codes, whose narrative is all there is to go on.

It is measured the same night, so the confidence published with each theme it assigns is
measured, not a prior: the specifically coded records (the LEARNING_POOL most recent) are
split into `FOLDS` fixed folds by a hash of their record key; each fold (every fold on a small
trust, enough of them to hold ENOUGH_EVALUATED records on a large one) is coded by a
classifier trained on the other folds, and per theme precision and recall are counted over
the records evaluated. The keyword rules are scored against the same records. The text never
leaves the private warehouse: only these counts are published (the `coding_quality` mart).

Features are those of the FFT coder that cannot leak across words (word 1-2 grams and
word-prefix TF-IDF: pipelines.textcoding.fft_features); one logistic regression per theme,
all fitted together (pipelines.textcoding.logistic; unweighted classes: a theme is given
where its probability passes the threshold, which keeps precision high for rare themes).
Identical narratives with the same themes train as one weighted row, and at most the
MAX_TRAINING_RECORDS most recent records are used, so a night's training and evaluation take
seconds, not minutes, on a large trust.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
import scipy.sparse as sp

from pipelines.textcoding.fft_features import TfidfBlock, normalise
from pipelines.textcoding.logistic import fit_labels

MODEL_VERSION = "narrative-1.1"
FOLDS = 5
# Inverse regularisation of each theme's logistic regression.
C = 4.0
# The most recent records a classifier learns from: bounds the nightly training time on a
# large trust without changing what a theme's narrative looks like.
MAX_TRAINING_RECORDS = 20_000
# Evaluation stops adding folds once it has coded this many records (out_of_fold).
ENOUGH_EVALUATED = 10_000
# The most recent coded records a night learns from and is measured on: a first fold of
# about 11,000 (above ENOUGH_EVALUATED whatever the hash gives it) and more than
# MAX_TRAINING_RECORDS outside it. Older records would never be learnt from; reading them
# only cost memory (a national year has 6M coded records).
LEARNING_POOL = 55_000


def fold_of(record_key: str) -> int:
    """A record's fixed evaluation fold (stable across nights and machines)."""
    return int(hashlib.md5(record_key.encode()).hexdigest()[:8], 16) % FOLDS


@dataclass
class NarrativeClassifier:
    themes: list[str]
    words: TfidfBlock
    chars: TfidfBlock
    weights: np.ndarray  # themes x features
    bias: np.ndarray

    def features(self, texts: Sequence[str]) -> sp.csr_matrix:
        normalised = [normalise(t) for t in texts]
        return sp.hstack([self.words.transform(normalised), self.chars.transform(normalised)],
                         format="csr")

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Texts x themes: each theme's probability."""
        if not texts:
            return np.zeros((0, len(self.themes)))
        margins = np.asarray(self.features(texts) @ self.weights.T) + self.bias
        return 1 / (1 + np.exp(-margins))


def train(texts: Sequence[str], theme_lists: Sequence[Sequence[str]],
          min_examples: int) -> NarrativeClassifier | None:
    """One classifier per theme with at least `min_examples` records; None when no theme
    has that many. `theme_lists[i]` are the themes record i's codes map to."""
    # Records come oldest first: keep the most recent; identical (text, themes) pairs
    # become one row weighted by how often they occur.
    normalised = [normalise(t) for t in list(texts)[-MAX_TRAINING_RECORDS:]]
    theme_lists = list(theme_lists)[-MAX_TRAINING_RECORDS:]
    examples: dict[tuple[str, tuple[str, ...]], int] = {}
    for text, labels in zip(normalised, theme_lists, strict=True):
        key = (text, tuple(sorted(set(labels))))
        examples[key] = examples.get(key, 0) + 1
    counts: dict[str, int] = {}
    for (_, labels), n in examples.items():
        for theme in labels:
            counts[theme] = counts.get(theme, 0) + n
    themes = sorted(t for t, n in counts.items() if n >= min_examples)
    if not themes:
        return None
    unique_texts = [text for text, _ in examples]
    words = TfidfBlock.fit("words", unique_texts)
    chars = TfidfBlock.fit("chars", unique_texts)
    classifier = NarrativeClassifier(themes, words, chars,
                                     np.zeros((len(themes), 0)), np.zeros(len(themes)))
    x = classifier.features(unique_texts)
    occurrences = np.array(list(examples.values()), dtype=np.float64)
    has_theme = np.array([[theme in coded for theme in themes] for _, coded in examples])
    classifier.weights, classifier.bias = fit_labels(x, has_theme, C, occurrences)
    return classifier


def assigned(classifier: NarrativeClassifier | None, texts: Sequence[str],
             threshold: float) -> list[list[tuple[str, float]]]:
    """Per text, the (theme, probability) pairs at or above `threshold`."""
    if classifier is None:
        return [[] for _ in texts]
    # Each distinct text once: templated narratives ("Patient found on floor") repeat.
    unique = list(dict.fromkeys(texts))
    found = {text: [(classifier.themes[j], float(row[j]))
                    for j in np.flatnonzero(row >= threshold)]
             for text, row in zip(unique, classifier.probabilities(unique), strict=True)}
    return [found[text] for text in texts]


@dataclass
class Measured:
    """The night's classifier and its out-of-fold measurement (out_of_fold)."""

    classifier: NarrativeClassifier | None
    trained_on: int  # records it learnt from
    evaluated: np.ndarray  # positions of the coded records evaluated
    predicted: list[list[str]]  # the themes a classifier not trained on each gives it
    folds: int  # folds evaluated


def trained_and_measured(record_keys: Sequence[str], texts: Sequence[str],
                         theme_lists: Sequence[Sequence[str]], min_examples: int,
                         threshold: float) -> Measured:
    """The classifier that themes tonight's records, and how well its kind does on records it
    was not trained on. Where the records outside the first fold already fill
    MAX_TRAINING_RECORDS (a large trust), the first fold's classifier is the one used: it
    learnt from as many records as one trained on every fold would, and the figures published
    are then its own; otherwise one more classifier learns from every coded record."""
    evaluated, predicted, folds, first = out_of_fold(record_keys, texts, theme_lists,
                                                     min_examples, threshold)
    if first is not None and first[1] >= MAX_TRAINING_RECORDS:
        return Measured(first[0], first[1], evaluated, predicted, folds)
    return Measured(train(texts, theme_lists, min_examples),
                    min(len(texts), MAX_TRAINING_RECORDS), evaluated, predicted, folds)


def out_of_fold(record_keys: Sequence[str], texts: Sequence[str],
                theme_lists: Sequence[Sequence[str]], min_examples: int, threshold: float
                ) -> tuple[np.ndarray, list[list[str]], int,
                           tuple[NarrativeClassifier | None, int] | None]:
    """The specifically coded records evaluated (their positions), the themes a classifier
    trained on the other folds assigns each, how many folds that took, and the first fold's
    classifier with the number of records it learnt from (None if that fold is empty).

    Folds are evaluated in turn until they hold ENOUGH_EVALUATED records: every fold on a
    trust with fewer coded records, one or two on a large trust, where each classifier costs
    seconds and a fold already measures every theme on thousands of records."""
    folds = np.array([fold_of(k) for k in record_keys], dtype=np.int64)
    covered = np.cumsum(np.bincount(folds, minlength=FOLDS))
    used = int(min(FOLDS, np.searchsorted(covered, ENOUGH_EVALUATED) + 1))
    evaluated = np.flatnonzero(folds < used)
    predicted: dict[int, list[str]] = {}
    first = None
    for k in range(used):
        inside = np.flatnonzero(folds == k)
        outside = np.flatnonzero(folds != k)
        if not len(inside) or not len(outside):
            continue
        classifier = train([texts[i] for i in outside], [theme_lists[i] for i in outside],
                           min_examples)
        if k == 0:
            first = (classifier, min(len(outside), MAX_TRAINING_RECORDS))
        for i, found in zip(inside, assigned(classifier, [texts[i] for i in inside],
                                             threshold), strict=True):
            predicted[int(i)] = [theme for theme, _ in found]
    return evaluated, [predicted.get(int(i), []) for i in evaluated], used, first


def per_theme_figures(truth: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]],
                      themes: Sequence[str]) -> pl.DataFrame:
    """One row per theme: records with it (by their codes), records predicted it, true
    positives, precision and recall (null where undefined)."""
    has, got, hits = Counter(), Counter(), Counter()
    for true, found in zip(truth, predicted, strict=True):
        true, found = set(true), set(found)
        has.update(true)
        got.update(found)
        hits.update(true & found)
    rows = [{"theme_id": theme, "records_with_theme": has[theme],
             "records_predicted": got[theme], "true_positives": hits[theme]}
            for theme in themes]
    return pl.DataFrame(rows, schema={"theme_id": pl.String, "records_with_theme": pl.Int64,
                                      "records_predicted": pl.Int64,
                                      "true_positives": pl.Int64}).with_columns(
        precision=pl.when(pl.col("records_predicted") > 0)
        .then(pl.col("true_positives") / pl.col("records_predicted")),
        recall=pl.when(pl.col("records_with_theme") > 0)
        .then(pl.col("true_positives") / pl.col("records_with_theme")),
        # What a theme assigned by this method is shown with: its precision, Laplace-smoothed
        # so that a handful of records cannot claim 0 or 1; null where never assigned.
        confidence=pl.when(pl.col("records_predicted") > 0)
        .then((pl.col("true_positives") + 1) / (pl.col("records_predicted") + 2)),
    )
