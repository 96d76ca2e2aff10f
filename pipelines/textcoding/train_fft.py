"""Train the FFT comment coder from a labelled file in the v6 layout and ship it.

    python -m pipelines.textcoding.train_fft \\
        --data /work/shared/datasets/fft_comments_v6/train.csv --out models/fft_coder

Respondents are split 80/20 (GroupShuffleSplit, fixed seed); the 20% are never looked at here
except for the final report, which evaluate_fft reproduces. Everything chosen (the logistic
regression's C, how far the thresholds of frequent and of rare categories move, the sentiment
model's C) is chosen by 5-fold GroupKFold cross-validation inside the 80%. Per category, NB-LR:
the TF-IDF columns (words, word prefixes, words after their question's kind) are scaled by
naive-Bayes log-count ratios of their presence in positive vs negative comments, then a
logistic regression with balanced class weights is fitted; the ratios fold into its weights,
so coding stays one linear score. A category with fewer than three training comments is not
trained. Framework lexicon rules (fft_rules) are features, and for
each category with fewer than RULE_OR_BELOW training comments the cross-validation also decides
whether a comment matching its rule gets the category even below the model's threshold (it
does where that raised the category's F1 on out-of-fold scores); categories the file never
labels, or too rarely to train, are coded by their rule alone. Sentiment: multinomial logistic
regression on the same features. Needs `token_vectors.npz` in --out (shipped; rebuilt by
build_token_vectors).
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import sklearn
from joblib import Parallel, delayed
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from pipelines.lib.fingerprints import file_sha256
from pipelines.textcoding.evaluate_fft import evaluate_held_out
from pipelines.textcoding.fft_data import (
    NOT_CODABLE,
    RESPONDENT,
    SPLIT_SEED,
    SPLIT_TEST_SIZE,
    LabelledComments,
    fingerprints,
    held_out_respondents,
    read_labelled,
    respondents_hash,
)
from pipelines.textcoding.fft_features import (
    BLOCK_WEIGHTS,
    CHAR_NGRAMS,
    MIN_DOCUMENT_FREQUENCY,
    WORD_NGRAMS,
    FeatureSpace,
    TokenVectors,
    normalise,
)
from pipelines.textcoding.fft_metrics import category_figures, sentiment_figures
from pipelines.textcoding.fft_model import (
    METADATA_FILE,
    MODEL_FILE,
    TOKENS_FILE,
    load_coder,
    one_general_experience,
)
from pipelines.textcoding.fft_rules import deciding_matrix, outside_setting, rule_matrix

VERSION = "3.10.0"
FOLDS = 5
MIN_POSITIVES = 3
C_GRID = (0.3, 1.0, 3.0, 10.0)
# How far each category's threshold moves from 0 (the balanced logistic regression's own
# boundary) towards its F1-optimal value on out-of-fold scores: 0 keeps 0, 1 goes all the way.
# Categories with fewer than RARE_POSITIVES positives have their own move: their F1-optimal
# cut rests on a handful of comments and is noisy, so the cross-validation may shrink it.
THRESHOLD_MOVE_GRID = (0.0, 0.5, 1.0)
RARE_MOVE_GRID = (0.0, 0.5, 1.0)
RARE_POSITIVES = 30
SENTIMENT_C_GRID = (0.3, 1.0, 3.0)
RULE_OR_BELOW = 100


def nb_ratios(text: sp.csr_matrix, positive: np.ndarray) -> np.ndarray:
    """Naive-Bayes log-count ratios (add-one smoothed) of each text column's presence."""
    present = text.copy()
    present.data = (present.data > 0).astype(np.float64)
    p = 1 + np.asarray(present[positive].sum(axis=0)).ravel()
    q = 1 + np.asarray(present[~positive].sum(axis=0)).ravel()
    return np.log(p / p.sum()) - np.log(q / q.sum())


def fit_category(x: sp.csr_matrix, text_width: int, y: np.ndarray,
                 c: float) -> tuple[np.ndarray, float]:
    """NB-LR for one category: its score is x @ weights + bias."""
    scale = np.ones(x.shape[1])
    scale[:text_width] = nb_ratios(x[:, :text_width], y == 1)
    model = LogisticRegression(C=c, class_weight="balanced", solver="liblinear", max_iter=2000,
                               random_state=0)
    model.fit(sp.csr_matrix(x.multiply(scale)), y)
    return model.coef_[0] * scale, model.intercept_[0]


def fit_categories(x: sp.csr_matrix, text_width: int, labels: np.ndarray,
                   c: float) -> tuple[np.ndarray, np.ndarray]:
    """Weights and biases per category; rows of categories too rare to train stay NaN."""
    weights = np.full((labels.shape[1], x.shape[1]), np.nan)
    bias = np.full(labels.shape[1], np.nan)
    trained = np.flatnonzero(labels.sum(axis=0) >= MIN_POSITIVES)
    fitted = Parallel(n_jobs=2)(delayed(fit_category)(x, text_width, labels[:, j], c)
                                for j in trained)
    for j, (w, b) in zip(trained, fitted, strict=True):
        weights[j], bias[j] = w, b
    return weights, bias


def category_scores(x, weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
    trained = ~np.isnan(bias)
    scores = np.full((x.shape[0], len(bias)), -np.inf)
    scores[:, trained] = x @ weights[trained].T + bias[trained]
    return scores


def fit_sentiment(x, sentiment: np.ndarray, c: float) -> LogisticRegression:
    labelled = sentiment > 0
    return LogisticRegression(C=c, max_iter=5_000).fit(x[labelled], sentiment[labelled])


def tune_thresholds(scores: np.ndarray, labels: np.ndarray, move: float, rare_move: float,
                    covered: np.ndarray | None = None) -> np.ndarray:
    """Per category, the cut on out-of-fold scores that maximises F1, moved `move` of the way
    from 0 (`rare_move` for categories with fewer than RARE_POSITIVES positives in `labels`);
    inf where the category was never trained or never seen. `covered` marks comments a rule
    already gives the category: the cut then maximises the F1 of model-or-rule, so the model
    only adds what the rule misses (a rare category's cut is otherwise so low that one
    common word, "too" in "discharged too early", carries it)."""
    thresholds = np.full(scores.shape[1], np.inf)
    for j in range(scores.shape[1]):
        finite = np.isfinite(scores[:, j])
        positives = labels[:, j].sum()
        if not finite.any() or positives == 0:
            continue
        ruled = covered[:, j] if covered is not None else np.zeros(len(finite), dtype=bool)
        open_rows = finite & ~ruled
        ruled_hits = labels[ruled, j].sum()
        order = np.argsort(-scores[open_rows, j])
        ranked = scores[open_rows, j][order]
        # k = 0..n comments above the cut besides those the rule covers.
        hits = ruled_hits + np.concatenate([[0], np.cumsum(labels[open_rows, j][order])])
        f1 = 2 * hits / (ruled.sum() + np.arange(len(ranked) + 1) + positives)
        # A cut can only fall between two different scores.
        f1[1:-1][ranked[1:] == ranked[:-1]] = -1
        best = int(f1.argmax())
        if best == 0:
            cut = ranked[0] + 1 if len(ranked) else 0.0
        elif best < len(ranked):
            cut = (ranked[best - 1] + ranked[best]) / 2
        else:
            cut = ranked[-1]
        thresholds[j] = (rare_move if positives < RARE_POSITIVES else move) * cut
    return thresholds


def _f1(truth: np.ndarray, predicted: np.ndarray) -> float:
    return 2 * (truth & predicted).sum() / max(truth.sum() + predicted.sum(), 1)


def rule_deciders(scores: np.ndarray, thresholds: np.ndarray, labels: np.ndarray,
                  rules: np.ndarray) -> np.ndarray:
    """Per category, whether a matching rule should add it: for categories with fewer than
    RULE_OR_BELOW positives, where model-or-rule beats the model alone on these scores; for
    categories never trained (infinite threshold), wherever they have a rule."""
    truth = labels.astype(bool)
    deciders = np.zeros(labels.shape[1], dtype=bool)
    for j in range(labels.shape[1]):
        if not rules[:, j].any() and not np.isinf(thresholds[j]):
            continue
        if np.isinf(thresholds[j]):
            deciders[j] = True
        elif truth[:, j].sum() < RULE_OR_BELOW:
            model = scores[:, j] >= thresholds[j]
            deciders[j] = _f1(truth[:, j], model | rules[:, j]) > _f1(truth[:, j], model)
    return deciders


def thresholds_and_deciders(scores: np.ndarray, labels: np.ndarray, move: float,
                            rare_move: float,
                            rules: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Thresholds tuned on the model alone; which categories' rules should add them; then
    those categories' thresholds tuned again for model-or-rule."""
    thresholds = tune_thresholds(scores, labels, move, rare_move)
    deciders = rule_deciders(scores, thresholds, labels, rules)
    retuned = tune_thresholds(scores, labels, move, rare_move, covered=rules & deciders)
    return np.where(deciders, retuned, thresholds), deciders


def cross_validate(train: LabelledComments, token_vectors: TokenVectors) -> dict:
    """Out-of-fold category scores per C and sentiment predictions per C."""
    folds = np.zeros(len(train.texts), dtype=int)
    scores = {c: np.zeros(train.labels.shape) for c in C_GRID}
    sentiment = {c: np.zeros(len(train.texts), dtype=int) for c in SENTIMENT_C_GRID}
    splitter = GroupKFold(n_splits=FOLDS, shuffle=True, random_state=0)
    for k, (fit_rows, val_rows) in enumerate(splitter.split(train.texts,
                                                            groups=train.respondents)):
        fit, val = train.take(fit_rows), train.take(val_rows)
        space = FeatureSpace.fit(fit.texts, fit.questions, token_vectors)
        x_fit = space.transform(fit.texts, fit.ratings, fit.questions)
        x_val = space.transform(val.texts, val.ratings, val.questions)
        folds[val_rows] = k
        for c in C_GRID:
            fitted = fit_categories(x_fit, space.text_width, fit.labels, c)
            scores[c][val_rows] = category_scores(x_val, *fitted)
        for c in SENTIMENT_C_GRID:
            sentiment[c][val_rows] = fit_sentiment(x_fit, fit.sentiment, c).predict(x_val)
        print(f"  fold {k + 1}/{FOLDS} done", flush=True)
    # The rules as they would decide: whether one should is judged on what it would add.
    normalised = [normalise(t) for t in train.texts]
    rules = deciding_matrix(normalised, train.categories,
                            rule_matrix(normalised, train.categories)).astype(bool)
    return {"folds": folds, "scores": scores, "sentiment": sentiment, "rules": rules,
            "outside": outside_setting(train.settings, train.categories)}


def select(cv: dict, train: LabelledComments) -> tuple[dict, list[dict]]:
    """The grid point with the best mean of micro- and macro-F1, each fold judged with
    thresholds tuned on the other folds only."""
    folds, table, rules = cv["folds"], [], cv["rules"]
    for c, move, rare_move in itertools.product(C_GRID, THRESHOLD_MOVE_GRID, RARE_MOVE_GRID):
        predicted = np.zeros(train.labels.shape, dtype=bool)
        scores = cv["scores"][c]
        for k in range(FOLDS):
            inside = folds == k
            thresholds, deciders = thresholds_and_deciders(scores[~inside], train.labels[~inside],
                                                           move, rare_move, rules[~inside])
            # As the coder decides (FftCoder._apply_rules): a category bound to another
            # kind of service dropped, a deciding rule's category at the cut, then one of
            # Positive and Negative experience.
            margins = np.where(cv["outside"][inside], -np.inf, scores[inside] - thresholds)
            margins = np.where(rules[inside] & deciders & (margins < 0), 0.0, margins)
            predicted[inside] = one_general_experience(margins, train.categories) >= 0
        figures = category_figures(train.labels, predicted, train.categories)
        table.append({"C": c, "threshold_move": move, "rare_threshold_move": rare_move,
                      "micro_f1": round(figures["micro_f1"], 4),
                      "macro_f1": round(figures["macro_f1"], 4)})
    best = max(table, key=lambda row: row["micro_f1"] + row["macro_f1"])
    sentiment = {c: sentiment_figures(train.sentiment, cv["sentiment"][c])
                 for c in SENTIMENT_C_GRID}
    best_sentiment = max(sentiment, key=lambda c: sentiment[c]["sentiment_accuracy"])
    chosen = {**best, "sentiment_C": best_sentiment, **sentiment[best_sentiment]}
    return chosen, table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="labelled file (train.csv)")
    parser.add_argument("--out", type=Path, default=Path("models/fft_coder"))
    args = parser.parse_args()
    if not (args.out / TOKENS_FILE).is_file():
        raise SystemExit(f"{args.out / TOKENS_FILE} is missing: restore it from git or run "
                         "pipelines.textcoding.build_token_vectors")

    started = time.perf_counter()
    raw, comments = read_labelled(args.data)
    held_out = held_out_respondents(raw)
    train = comments.take(np.flatnonzero(~np.isin(comments.respondents, list(held_out))))
    print(f"{len(train.texts):,} training comments from {len(set(train.respondents)):,} "
          f"respondents; {len(held_out):,} respondents held out")
    token_vectors = TokenVectors.load(args.out / TOKENS_FILE)

    print(f"grouped {FOLDS}-fold cross-validation on the training part")
    cv = cross_validate(train, token_vectors)
    chosen, table = select(cv, train)
    print(f"chosen: {json.dumps(chosen)}")

    space = FeatureSpace.fit(train.texts, train.questions, token_vectors)
    x = space.transform(train.texts, train.ratings, train.questions)
    weights, bias = fit_categories(x, space.text_width, train.labels, chosen["C"])
    thresholds, deciders = thresholds_and_deciders(cv["scores"][chosen["C"]], train.labels,
                                                   chosen["threshold_move"],
                                                   chosen["rare_threshold_move"], cv["rules"])
    thresholds[np.isnan(bias)] = np.inf
    sentiment = fit_sentiment(x, train.sentiment, chosen["sentiment_C"])

    args.out.mkdir(parents=True, exist_ok=True)
    # float16 weights halve the artifact; scores move by ~1e-3, far inside any threshold gap.
    np.savez_compressed(
        args.out / MODEL_FILE,
        word_terms=space.words.terms, word_idf=space.words.idf.astype(np.float32),
        char_terms=space.chars.terms, char_idf=space.chars.idf.astype(np.float32),
        question_word_terms=space.question_words.terms,
        question_word_idf=space.question_words.idf.astype(np.float32),
        token_idf=space.token_idf, rule_categories=np.array(space.rule_categories, dtype=str),
        rule_decides=deciders,
        category_weights=np.nan_to_num(weights).astype(np.float16),
        category_bias=np.nan_to_num(bias).astype(np.float32), thresholds=thresholds,
        sentiment_weights=sentiment.coef_.astype(np.float16),
        sentiment_bias=sentiment.intercept_.astype(np.float32),
        sentiment_classes=sentiment.classes_.astype(np.int8),
        training_fingerprints=np.array(fingerprints(train), dtype=str),
    )
    metadata = {
        "version": VERSION,
        "framework": "NHS England Patient Experience Qualitative Data Categorisation v6",
        "categories": train.categories,
        "not_coded": {NOT_CODABLE: "given to blank comments only; the coder returns no "
                                   "category for them instead"},
        "untrained_categories": [c for c, b in zip(train.categories, bias, strict=True)
                                 if np.isnan(b)],
        "rule_decided_categories": [c for c, d in zip(train.categories, deciders, strict=True)
                                    if d],
        "method": "per category NB-LR: logistic regression (liblinear, balanced class "
                  "weights) on features whose TF-IDF columns are scaled by "
                  "add-one naive-Bayes log-count ratios of term presence; the ratios are "
                  "folded into the stored weights. Thresholds: F1-optimal cut on out-of-fold "
                  "scores, moved threshold_move of the way from 0 (rare_threshold_move for "
                  f"categories with < {RARE_POSITIVES} training positives). Framework lexicon "
                  "rules "
                  "(fft_rules) are a feature block; a matching rule also adds the "
                  "rule_decided_categories (chosen on out-of-fold scores among categories "
                  f"with < {RULE_OR_BELOW} training comments, and every untrained category "
                  "with a rule)",
        "features": {"word_ngrams": WORD_NGRAMS, "char_ngrams": CHAR_NGRAMS,
                     "question_words": "each word after the kind of question answered "
                                       "(what_good, could_improve, nonspecific)",
                     "min_document_frequency": MIN_DOCUMENT_FREQUENCY,
                     "block_weights": BLOCK_WEIGHTS, "width": space.width},
        "training": {
            "data_file": args.data.name, "data_sha256": file_sha256(args.data),
            "comments": len(train.texts), "scikit_learn": sklearn.__version__,
            "split": {"method": "GroupShuffleSplit", "group_column": RESPONDENT,
                      "seed": SPLIT_SEED, "test_size": SPLIT_TEST_SIZE,
                      "held_out_respondents": len(held_out),
                      "held_out_respondents_sha256": respondents_hash(held_out)},
            "selection": {"method": f"GroupKFold({FOLDS}) on the training part",
                          "chosen": chosen, "grid": table},
            "seconds": round(time.perf_counter() - started, 1),
        },
    }
    (args.out / METADATA_FILE).write_text(json.dumps(metadata, indent=2) + "\n")
    load_coder.cache_clear()
    metadata["held_out"] = evaluate_held_out(args.data, args.out, verbose=True)
    (args.out / METADATA_FILE).write_text(json.dumps(metadata, indent=2) + "\n")
    print(f"model written to {args.out}")


if __name__ == "__main__":
    main()
