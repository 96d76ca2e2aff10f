"""What each step of the refresh reads, as fingerprints: an unchanged fingerprint means the
step would write what it wrote last time, so the incremental refresh skips it.

- A source's load depends on its export files (path, size, content), the mappings of the
  source, the loader and validation code (and the libraries they run on), and on the day the
  plausible-date bounds are judged from (`reference_day`) only as `load_still_current` says.
- FFT coding depends on the FFT load and the coder's model version.
- The dbt build depends on the dbt project, the Python code its Python models run, the trust
  profile (vars, expected sources, reference CSVs; its mappings are the loads' concern), the
  value_ref key and the installed dbt; on each load and coding step; and on the as-of date,
  which only a few models read (pipelines.defs.dbt.selection).

Fingerprints are stored in `raw.fingerprints`, each written in the same transaction as what it
describes (a load's raw tables, the coded comments) or after the dbt build succeeded, so a
failed step is redone in full the next night.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sys
from collections.abc import Iterable
from functools import cache
from importlib.metadata import version
from pathlib import Path

import duckdb

from pipelines.lib.loading import BatchError
from pipelines.lib.mapping import Mapping, files_for_source
from pipelines.lib.settings import DBT_PROJECT_DIR, PROJECT_ROOT
from pipelines.lib.warehouse import RAW_SCHEMA, has_raw_table

TABLE = f"{RAW_SCHEMA}.fingerprints"
DDL = f"""
create table if not exists {TABLE} (
    step varchar primary key,
    fingerprint varchar not null,
    summary json
)"""
DBT_STEP = "dbt"
DBT_GENERATED = {"target", "logs"}  # folders of the dbt project that dbt writes
_CHUNK = 1 << 20


def load_step(source: str) -> str:
    return f"load/{source}"


def _digest(parts: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode())
        digest.update(b"\x1f")
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _tree(root: Path, files: Iterable[Path]) -> list[str]:
    """Each file's path relative to `root` and its content hash, in path order."""
    return [f"{p.relative_to(root).as_posix()}={file_sha256(p)}" for p in sorted(files)]


def code_version(folders: Iterable[Path], libraries: Iterable[str],
                 files: Iterable[Path] = ()) -> str:
    """The digest of the Python modules under `folders` and of `files` (all inside the
    project), of the Python version and of the `libraries`' versions: what a result kept
    under it was worked out with."""
    code = [*files, *(path for folder in folders for path in folder.rglob("*.py"))]
    return _digest([sys.version, *(f"{name}={version(name)}" for name in libraries),
                    *_tree(PROJECT_ROOT, code)])


@cache
def loader_version() -> str:
    """The loader and validation code and the libraries it runs on."""
    return code_version([PROJECT_ROOT / "pipelines" / "lib", PROJECT_ROOT / "expectations"],
                        ["polars", "great_expectations"])


def source_fingerprint(raw_dir: Path, mappings: list[Mapping], source: str) -> str:
    """What the source's load reads (see the module docstring)."""
    pairs = files_for_source(raw_dir, mappings, source)
    own = sorted({m.path for m in mappings if m.source == source})
    return _digest([
        loader_version(),
        *(f"mapping {p.name}={file_sha256(p)}" for p in own),
        *(_export_file(raw_dir, p, m) for p, m in pairs),
    ])


def _export_file(raw_dir: Path, path: Path, mapping: Mapping) -> str:
    """An export file's share of its source's fingerprint; one it cannot read stops the
    load as the loader would, naming the file and its mapping."""
    try:
        return (f"file {path.relative_to(raw_dir).as_posix()}|{mapping.name}|"
                f"{path.stat().st_size}|{file_sha256(path)}")
    except OSError as error:
        raise BatchError(path, mapping, f"cannot be read ({error.strerror})") from error


def load_still_current(summary: dict | None, day: dt.date) -> bool:
    """Whether a load's rows, judged on the day its summary records, are what a load of the
    same files would give on `day`: the same day, or a later one when the load was not
    `judged_by_the_day` (pipelines.lib.ingest). An earlier day (a pinned as-of date taken
    back) narrows the bounds, so the files are read again."""
    judged = (summary or {}).get("reference_day")
    if judged is None:
        return False
    judged = dt.date.fromisoformat(judged)
    return day == judged or (day > judged and not summary["judged_by_the_day"])


def dbt_project_files(project_dir: Path = DBT_PROJECT_DIR) -> list[Path]:
    """The dbt project's own files, leaving out what dbt writes (target/ holds a build folder
    per warehouse: tens of thousands of files on a machine that refreshes several trusts)."""
    files = []
    for folder, subfolders, names in os.walk(project_dir):
        if Path(folder) == project_dir:
            subfolders[:] = [d for d in subfolders if d not in DBT_GENERATED]
        files += [Path(folder) / name for name in names]
    return files


def dbt_inputs_fingerprint(profile_dir: Path, mappings_dir: Path, value_ref_key: Path) -> str:
    """What the dbt build reads besides the loads and the coded comments."""
    project = dbt_project_files()
    code = list((PROJECT_ROOT / "pipelines").rglob("*.py"))
    profile = [p for p in profile_dir.rglob("*")
               if p.is_file() and mappings_dir not in p.parents and p != mappings_dir]
    return _digest([
        *(f"{name}={version(name)}" for name in ("dbt-core", "dbt-duckdb", "duckdb")),
        file_sha256(value_ref_key) if value_ref_key.exists() else "",
        *_tree(DBT_PROJECT_DIR, project), *_tree(PROJECT_ROOT, code),
        *_tree(profile_dir, profile),
    ])


def stored(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, dict | None]]:
    """Every stored step: fingerprint and summary."""
    if not has_raw_table(con, "fingerprints"):
        return {}
    return {step: (fingerprint, json.loads(summary) if summary else None)
            for step, fingerprint, summary in
            con.execute(f"select step, fingerprint, summary from {TABLE}").fetchall()}


def store(con: duckdb.DuckDBPyConnection, step: str, fingerprint: str | None,
          summary: dict | None = None) -> None:
    """Record a step's fingerprint (None: forget it, so the step runs in full next time);
    inside the caller's transaction."""
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    con.execute(DDL)
    con.execute(f"delete from {TABLE} where step = ?", [step])
    if fingerprint is not None:
        con.execute(f"insert into {TABLE} values (?, ?, ?)",
                    [step, fingerprint, None if summary is None else json.dumps(summary)])
