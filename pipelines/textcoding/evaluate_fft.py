"""Evaluate the shipped FFT coder on labelled comments it was not trained on.

    python -m pipelines.textcoding.evaluate_fft \
        --data /work/shared/datasets/fft_comments_v6/train.csv
    python -m pipelines.textcoding.evaluate_fft --external <any labelled file in the same layout>

--data must be the training file: its respondent-grouped held-out 20% is rebuilt from the seed
in `model.json` and checked against the stored hash of the held-out respondent ids.
--external codes every comment of another file, leaving out any the model was trained on
(recognised by fingerprint). Both print micro/macro-F1, per-category precision/recall/F1,
sentiment accuracy and within-one accuracy, throughput and model load time, then the same
category figures on the challenge set (tests/data/fft_challenge_set.csv: short, realistic
answers from every setting, coded from the v6 framework's definitions, with the everyday
comments a coder must not get systematically wrong) and every challenge item the coder gets
wrong. `--challenge <file>` evaluates another challenge file in that layout.
"""

from __future__ import annotations

import argparse
import csv
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipelines.lib.fingerprints import file_sha256
from pipelines.textcoding.fft_data import (
    LabelledComments,
    fingerprints,
    held_out_respondents,
    read_labelled,
    respondents_hash,
)
from pipelines.textcoding.fft_metrics import category_figures, format_report, sentiment_figures
from pipelines.textcoding.fft_model import MODEL_DIR, MODEL_FILE, FftCoder, load_coder

CHALLENGE_SET = MODEL_DIR.parents[1] / "tests" / "data" / "fft_challenge_set.csv"
CHALLENGE_COLUMNS = ("setting", "rating", "question", "comment", "categories", "why")


@dataclass(frozen=True)
class ChallengeItem:
    setting: str
    rating: int
    question: str
    comment: str
    categories: frozenset[str]
    why: str


def read_challenge_set(path: Path, known: list[str]) -> list[ChallengeItem]:
    """The challenge items; `categories` holds "; "-separated v6 category names (none for an
    answer with nothing to code). Unknown category names are an error naming the row."""
    if not path.is_file():
        raise SystemExit(f"challenge set not found: {path}")
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != CHALLENGE_COLUMNS:
            raise SystemExit(f"{path}: columns must be {', '.join(CHALLENGE_COLUMNS)}")
        items = []
        for line, row in enumerate(reader, start=2):
            categories = frozenset(c.strip() for c in row["categories"].split(";") if c.strip())
            unknown = sorted(categories - set(known))
            if unknown:
                raise SystemExit(f"{path}, row {line}, column categories: unknown v6 "
                                 f"categories {unknown}")
            items.append(ChallengeItem(row["setting"], int(row["rating"]), row["question"],
                                       row["comment"], categories, row["why"]))
    return items


def challenge_results(coder: FftCoder, items: list[ChallengeItem]) -> tuple[dict, list[dict]]:
    """Category figures on the challenge set, and every item the coder got wrong with the
    categories it missed and the ones it added."""
    coded = coder.code([i.comment for i in items], [i.rating for i in items],
                       [i.question for i in items], [i.setting for i in items])[
        "categories"].to_list()
    column = {name: j for j, name in enumerate(coder.categories)}
    truth = np.zeros((len(items), len(coder.categories)), dtype=bool)
    predicted = np.zeros_like(truth)
    wrong = []
    for i, (item, found) in enumerate(zip(items, coded, strict=True)):
        truth[i, [column[c] for c in item.categories]] = True
        predicted[i, [column[c] for c in found]] = True
        if set(found) != item.categories:
            wrong.append({"comment": item.comment, "setting": item.setting,
                          "missed": sorted(item.categories - set(found)),
                          "added": sorted(set(found) - item.categories)})
    figures = {"comments": len(items), "items_exactly_right": len(items) - len(wrong),
               **category_figures(truth, predicted, coder.categories)}
    return figures, wrong


def format_challenge(path: Path, figures: dict, wrong: list[dict]) -> str:
    lines = [
        f"challenge set {path.name}: {figures['comments']} comments coded from the v6 "
        "framework definitions",
        f"  micro-F1              {figures['micro_f1']:>8.3f}",
        f"  macro-F1              {figures['macro_f1']:>8.3f}"
        f"   (over the {figures['categories_in_macro']} categories present)",
        f"  items exactly right   {figures['items_exactly_right']:>8}"
        f" of {figures['comments']}",
        f"\n  {'category':<58} {'prec':>5} {'rec':>5} {'F1':>5} {'support':>8}",
    ]
    rows = sorted(figures["per_category"].items(), key=lambda kv: -kv[1]["support"])
    lines += [f"  {name:<58} {row['precision']:>5.2f} {row['recall']:>5.2f} {row['f1']:>5.2f} "
              f"{row['support']:>8}" for name, row in rows if row["support"] or row["predicted"]]
    lines.append(f"\n  items the coder gets wrong ({len(wrong)}):")
    for item in wrong:
        lines.append(f"  - [{item['setting']}] {item['comment']!r}")
        if item["missed"]:
            lines.append(f"      missed: {'; '.join(item['missed'])}")
        if item["added"]:
            lines.append(f"      added:  {'; '.join(item['added'])}")
    return "\n".join(lines)


def evaluate_challenge(path: Path = CHALLENGE_SET, model_dir: Path = MODEL_DIR,
                       verbose: bool = True) -> dict:
    coder = load_coder(model_dir)
    figures, wrong = challenge_results(coder, read_challenge_set(path, coder.categories))
    if verbose:
        print(format_challenge(path, figures, wrong))
    return {**figures, "wrong": wrong}


def figures_for(coder: FftCoder, comments: LabelledComments) -> dict:
    coded = coder.code(comments.texts, comments.ratings, comments.questions, comments.settings)
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
    single process, timed over all the given comments (speed needs no labels, only volume):
    per second of the process's CPU time (one core, whatever else the machine is doing) and
    per second of wall-clock time."""
    started = time.perf_counter()
    coder = load_coder.__wrapped__(model_dir)
    loaded = time.perf_counter() - started
    started, cpu_started = time.perf_counter(), time.process_time()
    coder.code(comments.texts, comments.ratings, comments.questions, comments.settings)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return {"load_seconds": round(loaded, 3),
            "comments_per_cpu_second": round(len(comments.texts) / cpu),
            "comments_per_second": round(len(comments.texts) / wall)}


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
    parser.add_argument("--challenge", type=Path, default=CHALLENGE_SET,
                        help="challenge set (default: the one shipped with the tests)")
    args = parser.parse_args()
    if args.data:
        evaluate_held_out(args.data, args.model_dir)
    else:
        evaluate_external(args.external, args.model_dir)
    print()
    evaluate_challenge(args.challenge, args.model_dir)


if __name__ == "__main__":
    main()
