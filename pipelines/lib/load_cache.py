"""Each export file's own share of a load, kept beside the private warehouse so that a night
with one new file reads, types and validates only that file.

Everything the loader works out from one file alone (its typed rows, the cells that failed
typing or a rejection rule, its malformed rows and those rows as exported, the cells a warning
rule flags, its expectation counts) depends only on the file's content and name, its mapping,
the loader code (`loader_version`) and, for dates checked against "today", the day. An entry
is found by a digest of all but the day; the day is judged as for a whole source
(`load_still_current`).
What depends on the source's other files (duplicates and key conflicts across files, the row
accounting) is worked out every load.

The entries hold typed rows and rejected rows as exported, free text included: they are as
private as the warehouse.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipelines.lib.fingerprints import load_still_current, loader_version
from pipelines.lib.mapping import Mapping

_FRAMES = ("typed", "failures", "malformed", "exported", "warnings")


@dataclass(frozen=True)
class CachedFile:
    meta: dict  # sha256, encoding, rows_read, headers, outcomes, reference_day, judged_by_the_day
    # _source_row, canonical columns, lineage, content hashes: read from the entry when used
    typed: pl.DataFrame | pl.LazyFrame
    failures: pl.DataFrame  # _source_row, column_name, reason
    malformed: pl.DataFrame  # _source_row, column_name, reason, lineage
    # _source_row, record: the rows the file alone rejects (failures, malformed) as exported,
    # so a later night need not read the file again to publish them
    exported: pl.DataFrame
    # _source_row, column_name, reason, lineage: the cells a warning rule flags (loaded)
    warnings: pl.DataFrame


class LoadCache:
    """Entries under `root/<source>/<digest>/`. With `reuse` False (a full refresh) nothing is
    read from it, but what is loaded is still kept for the next night."""

    def __init__(self, root: Path, day: dt.date, reuse: bool = True):
        self.root, self.day, self.reuse = root, day, reuse

    @staticmethod
    def key(relative: str, sha256: str, mapping: Mapping) -> str:
        mapping_sha = hashlib.sha256(mapping.path.read_bytes()).hexdigest()
        return hashlib.sha256("\x1f".join(
            [loader_version(), relative, sha256, mapping.name, mapping_sha]).encode()).hexdigest()

    def get(self, source: str, key: str) -> CachedFile | None:
        entry = self.root / source / key
        if not self.reuse or not (entry / "meta.json").exists():
            return None
        meta = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
        return _read(entry, meta) if load_still_current(meta, self.day) else None

    def put(self, source: str, key: str, cached: CachedFile) -> CachedFile:
        """Written whole under a temporary name and renamed: an entry is complete or absent.
        Returns it as `get` would, its typed rows read from the entry, not held."""
        entry = self.root / source / key
        building = entry.with_name(key + ".part")
        shutil.rmtree(building, ignore_errors=True)
        # Owner only: the entries hold free text.
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        building.mkdir(parents=True)
        for name in _FRAMES:
            getattr(cached, name).write_parquet(building / f"{name}.parquet")
        (building / "meta.json").write_text(json.dumps(cached.meta), encoding="utf-8")
        shutil.rmtree(entry, ignore_errors=True)
        building.rename(entry)
        return _read(entry, cached.meta)

    def keep_only(self, source: str, keys: set[str]) -> None:
        """Forget the entries of files no longer exported as they were."""
        folder = self.root / source
        if folder.exists():
            for entry in folder.iterdir():
                if entry.name not in keys:
                    shutil.rmtree(entry, ignore_errors=True)


def _read(entry: Path, meta: dict) -> CachedFile:
    """An entry; its typed rows (most of it) are scanned, read only when used."""
    typed, *rest = (entry / f"{name}.parquet" for name in _FRAMES)
    return CachedFile(meta, pl.scan_parquet(typed), *map(pl.read_parquet, rest))
