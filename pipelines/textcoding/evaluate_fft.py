"""Evaluate the shipped FFT coder on labelled comments it was not trained on.

    python -m pipelines.textcoding.evaluate_fft \
        --data /work/shared/datasets/fft_comments_v6/train.csv
    python -m pipelines.textcoding.evaluate_fft --external <any labelled file in the same layout>

--data must be the training file: its respondent-grouped held-out 20% is rebuilt from the seed
in `model.json` and checked against the stored hash of the held-out respondent ids.
--external codes every comment of another file, leaving out any the model was trained on
(recognised by fingerprint). Both print micro/macro-F1, per-category precision/recall/F1,
sentiment accuracy and within-one accuracy, throughput and model load time.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from pipelines.textcoding.fft_data import (
    LabelledComments,
    file_sha256,
    fingerprints,
    held_out_respondents,
    read_labelled,
    respondents_hash,
)
from pipelines.textcoding.fft_metrics import category_figures, format_report, sentiment_figures
from pipelines.textcoding.fft_model import MODEL_DIR, MODEL_FILE, FftCoder, load_coder


def figures_for(coder: FftCoder, comments: LabelledComments) -> dict:
    coded = coder.code(comments.texts, comments.ratings, comments.questions)
    column = {name: j for j, name in enumerate(comments.categories)}
    predicted = np.zeros(comments.labels.shape, dtype=bool)
    for i, found in enumerate(coded["categories"].to_list()):
        predicted[i, [column[c] for c in found if c in column]] = True
    sentiment = coded["sentiment"].fill_null(0).to_numpy()
    return {"comments": len(comments.texts),
            **category_figures(comments.labels, predicted, comments.categories),
            **sentiment_figures(comments.sentiment, sentiment)}


def speed(model_dir: Path, comments: LabelledComments) -> dict:
    """Load time, and comments per second of a freshly loaded coder (cold caches) in this
    single process, timed over all the given comments (speed needs no labels, only volume)."""
    started = time.perf_counter()
    coder = load_coder.__wrapped__(model_dir)
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    coder.code(comments.texts, comments.ratings, comments.questions)
    return {"load_seconds": round(loaded, 3),
            "comments_per_second": round(len(comments.texts) / (time.perf_counter() - started))}


def evaluate_held_out(data: Path, model_dir: Path = MODEL_DIR, verbose: bool = True) -> dict:
    coder = load_coder(model_dir)
    training = coder.metadata["training"]
    raw, comments = read_labelled(data)
    if file_sha256(data) != training["data_sha256"]:
        raise SystemExit(f"{data} is not the file the shipped model was trained on; "
                         "evaluate it with --external")
    split = training["split"]
    held_out = held_out_respondents(raw, split["seed"], split["test_size"])
    if respondents_hash(held_out) != split["held_out_respondents_sha256"]:
        raise SystemExit("the rebuilt held-out split differs from the one the model was "
                         "trained around (different scikit-learn?); figures would not be honest")
    rows = np.flatnonzero(np.isin(comments.respondents, list(held_out)))
    # Speed is timed over every comment of the file: more volume, steadier figure.
    figures = {**figures_for(coder, comments.take(rows)), **speed(model_dir, comments)}
    if verbose:
        print(format_report(f"held-out respondents of {data.name} ({len(held_out):,} "
                            "respondents never seen in training)", figures))
    return figures


def evaluate_external(path: Path, model_dir: Path = MODEL_DIR) -> dict:
    coder = load_coder(model_dir)
    _, comments = read_labelled(path)
    with np.load(model_dir / MODEL_FILE, allow_pickle=False) as stored:
        seen = set(stored["training_fingerprints"].tolist())
    unseen = np.array([f not in seen for f in fingerprints(comments)], dtype=bool)
    unknown = sorted(set(comments.categories) - set(coder.categories))
    comments = comments.take(np.flatnonzero(unseen))
    figures = {**figures_for(coder, comments), **speed(model_dir, comments)}
    print(format_report(f"{path.name}: {len(comments.texts):,} comments "
                        f"({int((~unseen).sum()):,} training comments left out)", figures))
    if unknown:
        print(f"  categories the model does not know (never predicted): {unknown}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", type=Path, help="the training file: use its held-out split")
    source.add_argument("--external", type=Path, help="any other labelled file, v6 layout")
    parser.add_argument("--model-dir", type=Path, default=MODEL_DIR)
    args = parser.parse_args()
    if args.data:
        evaluate_held_out(args.data, args.model_dir)
    else:
        evaluate_external(args.external, args.model_dir)


if __name__ == "__main__":
    main()
