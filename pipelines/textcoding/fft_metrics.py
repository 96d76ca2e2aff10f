"""Figures for a coded set of FFT comments: category F1 (micro, macro, per category) and
sentiment accuracy. Macro-F1 averages the categories present in the evaluated comments: a
category absent from them has no defined F1, and one the model cannot predict counts as 0."""

from __future__ import annotations

import numpy as np


def category_figures(truth: np.ndarray, predicted: np.ndarray, categories: list[str]) -> dict:
    truth = truth.astype(bool)
    predicted = predicted.astype(bool)
    tp = (truth & predicted).sum(axis=0)
    predicted_n = predicted.sum(axis=0)
    support = truth.sum(axis=0)
    precision = np.divide(tp, predicted_n, out=np.zeros(len(tp)), where=predicted_n > 0)
    recall = np.divide(tp, support, out=np.zeros(len(tp)), where=support > 0)
    f1 = np.divide(2 * tp, predicted_n + support, out=np.zeros(len(tp)),
                   where=predicted_n + support > 0)
    present = support > 0
    return {
        "micro_f1": float(2 * tp.sum() / max(predicted_n.sum() + support.sum(), 1)),
        "macro_f1": float(f1[present].mean()) if present.any() else 0.0,
        "categories_in_macro": int(present.sum()),
        "per_category": {
            name: {"precision": round(float(p), 3), "recall": round(float(r), 3),
                   "f1": round(float(f), 3), "support": int(s), "predicted": int(n)}
            for name, p, r, f, s, n in zip(categories, precision, recall, f1, support,
                                           predicted_n, strict=True)
        },
    }


def sentiment_figures(truth: np.ndarray, predicted: np.ndarray) -> dict:
    """Over comments with a human sentiment label (0 marks none)."""
    labelled = truth > 0
    error = np.abs(truth[labelled].astype(int) - predicted[labelled].astype(int))
    return {
        "sentiment_accuracy": float((error == 0).mean()) if labelled.any() else 0.0,
        "sentiment_within_one": float((error <= 1).mean()) if labelled.any() else 0.0,
        "sentiment_labelled": int(labelled.sum()),
    }


def format_report(title: str, figures: dict) -> str:
    lines = [
        title,
        f"  comments coded        {figures['comments']:>8,}",
        f"  micro-F1              {figures['micro_f1']:>8.3f}",
        f"  macro-F1              {figures['macro_f1']:>8.3f}"
        f"   (over the {figures['categories_in_macro']} categories present)",
        f"  sentiment accuracy    {figures['sentiment_accuracy']:>8.3f}"
        f"   ({figures['sentiment_labelled']:,} comments with a sentiment label)",
        f"  sentiment within one  {figures['sentiment_within_one']:>8.3f}",
    ]
    if "comments_per_second" in figures:
        lines += [f"  throughput            {figures['comments_per_cpu_second']:>8,.0f} comments"
                  f" per CPU second (one core); {figures['comments_per_second']:,.0f}/s wall"
                  " clock",
                  f"  model load time       {figures['load_seconds']:>8.2f} s"]
    lines.append(f"\n  {'category':<58} {'prec':>5} {'rec':>5} {'F1':>5} {'support':>8}")
    rows = sorted(figures["per_category"].items(), key=lambda kv: -kv[1]["support"])
    for name, row in rows:
        if row["support"] or row["predicted"]:
            lines.append(f"  {name:<58} {row['precision']:>5.2f} {row['recall']:>5.2f} "
                         f"{row['f1']:>5.2f} {row['support']:>8}")
    return "\n".join(lines)
