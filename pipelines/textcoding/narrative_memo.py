"""The night's narrative classifier and its measurement, kept in the private warehouse so the
next night reuses them when it would train on exactly the same records.

Training is a pure function of the training records (key, narrative, themes, in order), the
settings and the code that trains: `fingerprint` digests all of them, and a stored result is
used only under the same fingerprint. So a night that reuses it publishes what training anew
would (the solver, pipelines.textcoding.logistic, is deterministic), and a full refresh of
the same files publishes the same marts. The classifier learns from records a few weeks old
(int_record_narratives.is_training_example), so a week's nights share one training set.

One row in `raw.narrative_classifier`: the arrays as an uncompressed .npz, no pickle. The
terms are words of the trust's narratives: the table stays in the private warehouse, which
is never published.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from pathlib import Path

import duckdb
import numpy as np

import pipelines.textcoding as textcoding
from pipelines.lib.fingerprints import code_version
from pipelines.lib.warehouse import NARRATIVE_CLASSIFIER, RAW_SCHEMA, has_raw_table
from pipelines.textcoding.fft_features import TfidfBlock
from pipelines.textcoding.narrative import Measured, NarrativeClassifier

TABLE = NARRATIVE_CLASSIFIER
# What training runs on: a new release of any may change the weights.
_LIBRARIES = ("numpy", "scipy", "polars", "duckdb", "pyarrow")
_SEPARATOR, _END = "\x1f", "\x1e"


def fingerprint(record_keys: Sequence[str], texts: Sequence[str],
                theme_lists: Sequence[Sequence[str]], min_examples: int,
                threshold: float) -> str:
    """The digest of everything `narrative.trained_and_measured` reads."""
    digest = hashlib.sha256()
    # Every module of the package: the features read the FFT coder's normalising tables and
    # rules, and the themes kept under this key are written by narrative_warehouse.
    digest.update(code_version([Path(textcoding.__file__).resolve().parent], _LIBRARIES).encode())
    digest.update(f"{min_examples}{_SEPARATOR}{threshold!r}{_END}".encode())
    digest.update("".join(
        f"{key}{_SEPARATOR}{text}{_SEPARATOR}{_SEPARATOR.join(themes)}{_END}"
        for key, text, themes in zip(record_keys, texts, theme_lists, strict=True)
    ).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def load(con: duckdb.DuckDBPyConnection, key: str) -> Measured | None:
    """The stored result under fingerprint `key`, or None."""
    if not has_raw_table(con, "narrative_classifier"):
        return None
    row = con.execute(f"select stored from {TABLE} where fingerprint = ?", [key]).fetchone()
    return None if row is None else _decoded(row[0])


def save(con: duckdb.DuckDBPyConnection, key: str, measured: Measured) -> None:
    """Keep `measured` under `key`, in place of any earlier result."""
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    con.execute(f"create table if not exists {TABLE} (fingerprint varchar not null, "
                "stored blob not null)")
    con.execute(f"delete from {TABLE}")
    con.execute(f"insert into {TABLE} values (?, ?)", [key, _encoded(measured)])


def _encoded(measured: Measured) -> bytes:
    predicted = measured.predicted
    arrays = {
        "trained_on": np.array(measured.trained_on),
        "folds": np.array(measured.folds),
        "evaluated": measured.evaluated,
        "predicted_themes": np.array([t for found in predicted for t in found], dtype=str),
        "predicted_counts": np.array([len(found) for found in predicted], dtype=np.int64),
    }
    classifier = measured.classifier
    if classifier is not None:
        arrays |= {"themes": np.array(classifier.themes, dtype=str),
                   "weights": classifier.weights, "bias": classifier.bias}
        for block in (classifier.words, classifier.chars):
            arrays |= {f"{block.analyser}_terms": block.terms, f"{block.analyser}_idf": block.idf}
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _decoded(stored: bytes) -> Measured:
    with np.load(io.BytesIO(stored), allow_pickle=False) as arrays:
        themes = arrays["predicted_themes"].tolist()
        ends = np.cumsum(arrays["predicted_counts"]).tolist()
        predicted = [themes[start:end] for start, end in zip([0, *ends], ends, strict=False)]
        classifier = None
        if "themes" in arrays:
            blocks = [TfidfBlock(name, arrays[f"{name}_terms"], arrays[f"{name}_idf"])
                      for name in ("words", "chars")]
            classifier = NarrativeClassifier(arrays["themes"].tolist(), *blocks,
                                             arrays["weights"], arrays["bias"])
        return Measured(classifier, int(arrays["trained_on"]), arrays["evaluated"], predicted,
                        int(arrays["folds"]))
