"""Load every export file of one source into its raw tables, quarantining bad rows.

A source's raw tables are rebuilt from the files present in `data/raw/<source>/` whenever
they are read (an incremental refresh skips a source whose files are unchanged:
pipelines.lib.fingerprints), so a rerun on the same files writes the same rows (idempotent)
and incident revision history lives as long as the export files do. Nothing read is dropped:
each row is loaded or lands in `raw.rejected_rows` with its reason, and `raw.loaded_files`
holds the accounting per file. A loaded row a warning rule flags (a date before the one it
follows) is also listed in `raw.flagged_rows`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import asdict, dataclass, replace
from functools import reduce
from pathlib import Path

import duckdb
import polars as pl

from pipelines.lib.canonical import (
    DATE,
    ENTITIES,
    LINEAGE_COLUMNS,
    LIST,
    SOURCES,
    TIMESTAMP,
    UNKNOWN_VALUE,
    Entity,
)
from pipelines.lib.dates import lower_bound_moves, reference_day
from pipelines.lib.errors import without_quoted_values
from pipelines.lib.fingerprints import file_sha256, load_step, store
from pipelines.lib.freshness import SourceState
from pipelines.lib.load_cache import CachedFile, LoadCache
from pipelines.lib.loading import (
    OUT_OF_RANGE,
    ROW,
    BatchError,
    ReadFile,
    coerce,
    read_export,
    sheet_row,
)
from pipelines.lib.mapping import Mapping, files_for_source, header_key
from pipelines.lib.sql import table_columns
from pipelines.lib.validation import (
    ROW_ID,
    VALIDATION_BATCH_ROWS,
    ExpectationOutcome,
    combined,
    validating,
)
from pipelines.lib.warehouse import (
    RAW_SCHEMA,
    create_raw_tables,
    entity_ddl,
    insert_frame,
    note_every_record_changed,
)

# Most of a file rejected means the mapping no longer fits the export (a changed date format,
# renamed codes): fail the batch rather than publish marts with the source silently emptied.
MAX_REJECTED_SHARE = 0.5
EXACT_DUPLICATE = "exact duplicate of"  # a rejected row's reason: "... <file> row <n>"
MIN_ROWS_FOR_SHARE_RULE = 10
# In a smaller file (an NHS Resolution listing of 5 claims), more than half its rows rejected
# stops the batch too once this many are rejected for one problem of one column (the same
# reason, values aside): 2 bad rows of 3, rows each mistyped differently, or lines a stray
# quote joined, are a few mistakes in the export; 4 of 5
# claims without a reference are a mapping that misreads the export, and publishing the one
# row left would show the source as present while most of it is missing.
MIN_REJECTED_IN_SMALL_FILE = 3
# One code value the mapping does not map, in this share of a file's rows (and at least
# MIN_ROWS_FOR_SHARE_RULE of them), is a code the mapping lacks, not a few mistyped cells.
UNMAPPED_CODE_SHARE = 0.05
# Rows with the same key and different content cannot both be right, and which one the marts
# would keep is arbitrary, so all of them are rejected, each naming the others. An FFT response
# never changes, so its id conflicts across every file; an incident revision is identified by
# its id and revision time across files (without a revision time, within its file). For the
# other entities a later file is a later snapshot of the register (the latest file wins in the
# marts), so only rows of the same file conflict.
KEYS_ACROSS_FILES = {"fft_responses"}
REVISION_TIME = {"incidents": "updated_at"}
# A cache entry's rows as exported (CachedFile.exported).
_EXPORTED = {ROW: pl.Int64, "record": pl.String}
# The loaded rows compared with the raw tables and written at a time.
WRITE_BATCH_ROWS = 250_000
# Two 64-bit hashes of a row's canonical fields (fixed seeds): rows are exact duplicates when
# both agree, so a source's rows need not be held whole to find them. A chance agreement of
# 128 bits is far less likely than any error in the exports.
_HASHES = {"_content_hash_1": (11, 23, 37, 41), "_content_hash_2": (53, 67, 79, 83)}
# Hashes a row's key (and scope), to find the rows that may share it (_shared).
_KEY_HASH_SEED = 97


@dataclass(frozen=True)
class _FileRead:
    """What a load keeps of a file once its rows are coerced. Its rows as text are read
    again only when some of them are rejected (a rejected row keeps its record as exported),
    so a source's text is not held in memory whole while the source is validated."""

    path: Path
    mapping: Mapping
    sha256: str
    encoding: str
    rows_read: int
    headers: list[str]
    sheets: tuple = ()  # a stacked workbook's sheets (ReadFile.sheets)

    def records(self, rows: list[int]) -> dict[int, str]:
        if not rows:
            return {}
        read = read_export(self.path, self.mapping)
        if read.sha256 != self.sha256:
            raise BatchError(self.path, self.mapping, "changed while it was being loaded: "
                                                      "run the refresh again")
        return read.records(rows)


@dataclass(frozen=True)
class EntityLoad:
    entity: Entity
    parts: dict[str, pl.LazyFrame]  # file -> its loaded rows: canonical + lineage columns
    rejected: pl.DataFrame  # rejected_rows layout
    flagged: pl.DataFrame  # flagged_rows layout: loaded rows a warning rule flags
    files: pl.DataFrame  # loaded_files layout
    outcomes: list[ExpectationOutcome]
    fields: pl.DataFrame  # loaded_fields layout: how each file fills each canonical field
    row_keys: pl.DataFrame  # loaded_row_keys layout: what identifies each file's loaded rows

    @property
    def rows_read(self) -> int:
        return int(self.files["rows_read"].sum()) if self.files.height else 0

    @property
    def rows(self) -> pl.LazyFrame:
        """Every file's loaded rows, read only as far as a query of them needs."""
        return pl.concat(self.parts.values(), how="vertical_relaxed")

    @property
    def rows_loaded(self) -> int:
        """Counted from the rows themselves (the checks compare it with the accounting)."""
        return self.rows.select(pl.len()).collect().item() if self.parts else 0

    @property
    def loaded(self) -> pl.DataFrame:
        """Every loaded row at once. The refresh itself never holds them: it writes them a
        batch of files at a time (write_source)."""
        return self.rows.collect() if self.parts else pl.DataFrame()


def load_source(raw_dir: Path, mappings: list[Mapping], source: str,
                cache: LoadCache | None = None) -> list[EntityLoad]:
    """The source's files loaded; with a cache, files unchanged since it kept them are not
    read again (pipelines.lib.load_cache)."""
    pairs = files_for_source(raw_dir, mappings, source)
    kept: set[str] = set()
    loads = [
        _load_entity(raw_dir, entity, [(p, m) for p, m in pairs if m.entity == entity],
                     cache, kept)
        for entity in SOURCES[source]
    ]
    if cache is not None:
        cache.keep_only(source, kept)
    return loads


def _load_entity(raw_dir: Path, entity: Entity, pairs: list[tuple[Path, Mapping]],
                 cache: LoadCache | None, kept: set[str]) -> EntityLoad:
    """The entity's files loaded. Only what the checks across files need (each row's key,
    place and content hash) is held for every row at once; a file's typed rows are held
    while it is validated, then read again from the cache when they are written, so a
    source's memory does not grow with its rows."""
    # `validated` completes the group of files being validated while the next are typed.
    parts, fresh, reads, keys, validated = [], {}, {}, {}, _none_pending
    files = [(path, path.relative_to(raw_dir).as_posix(), mapping) for path, mapping in pairs]
    cache_keys = [cache.key(relative, file_sha256(path), mapping) if cache else None
                  for path, relative, mapping in files]
    kept_parts = [cache.get(entity.source, key) if cache else None for key in cache_keys]
    # The files not kept in the cache are read and typed a few at a time, ahead of their turn.
    to_type = [file for file, part in zip(files, kept_parts, strict=True) if part is None]
    with closing(_typed_in_turn(to_type)) as typed:
        for (path, relative, mapping), key, part in zip(files, cache_keys, kept_parts, strict=True):
            if part is None:
                read, part = next(typed)
                fresh[len(parts)] = (key, mapping, read)
            parts.append(part)
            if key:
                kept.add(key)
            meta = part.meta
            reads[relative] = _FileRead(path, mapping, meta["sha256"], meta["encoding"],
                                        meta["rows_read"], meta["headers"],
                                        tuple(map(tuple, meta.get("sheets") or ())))
            keys[relative] = key or LoadCache.key(relative, meta["sha256"], mapping)
            if sum(parts[i].typed.height for i in fresh) >= VALIDATION_BATCH_ROWS:
                parts = validated(parts)
                validated, fresh = _validating(entity, parts, fresh, cache), {}
    if not parts:
        return EntityLoad(entity, {}, pl.DataFrame(), pl.DataFrame(), pl.DataFrame(), [],
                          pl.DataFrame(), pl.DataFrame())
    parts = validated(parts)
    if fresh:
        parts = _validating(entity, parts, fresh, cache)(parts)

    identity = list(dict.fromkeys([ROW, *LINEAGE_COLUMNS, *_identity(entity), *_HASHES]))
    records = pl.concat([p.typed.select(identity) for p in parts], how="vertical_relaxed") \
        .collect().with_row_index(ROW_ID).with_columns(pl.col(ROW_ID).cast(pl.Int64),
                                                       pl.col(ROW).cast(pl.Int32))
    failures = (
        pl.concat([p.failures for p in parts], how="vertical_relaxed")
        .with_columns(pl.col(ROW).cast(pl.Int32))
        .join(records.select(ROW_ID, ROW, "_source_file"), on=[ROW, "_source_file"])
        .select(pl.col(ROW_ID).cast(pl.Int64), "column_name", "reason")
    )
    failures = failures.unique(
        [ROW_ID, "column_name"], keep="first").sort(ROW_ID, "column_name")
    duplicates = _exact_duplicates(records, failures[ROW_ID])
    conflicts = _key_conflicts(entity, records, pl.concat([failures, duplicates])[ROW_ID])
    reasons = (
        pl.concat([failures, duplicates, conflicts])
        .group_by(ROW_ID, maintain_order=True)
        .agg(pl.col("column_name").drop_nulls().str.join(", "), pl.col("reason").str.join("; "))
    )
    rejected_loaded = records.filter(pl.col(ROW_ID).is_in(reasons[ROW_ID].implode())) \
        .join(reasons, on=ROW_ID)
    rejected = pl.concat([
        rejected_loaded.select(ROW, "column_name", "reason", "_source_file", "_mapping"),
        pl.concat([p.malformed for p in parts], how="vertical_relaxed")
        .with_columns(pl.col(ROW).cast(pl.Int32)),
    ]).sort("_source_file", ROW)
    dropped = rejected_loaded.select("_source_file", ROW).lazy()
    flagged = (  # the cells a warning rule flags in the rows loaded, joined per row
        pl.concat([p.warnings for p in parts], how="vertical_relaxed")
        .with_columns(pl.col(ROW).cast(pl.Int32))
        .join(rejected_loaded, on=["_source_file", ROW], how="anti")
        .group_by("_source_file", ROW, "_mapping", maintain_order=True)
        .agg(pl.col("column_name").str.join(", "), pl.col("reason").str.join("; "))
        .sort("_source_file", ROW))
    by_file = dict(zip(reads, parts, strict=True))
    loaded = {
        file: p.typed.with_columns(pl.col(ROW).cast(pl.Int32))
        .join(dropped, on=["_source_file", ROW], how="anti", maintain_order="left")
        .select(*(f.name for f in entity.fields), *LINEAGE_COLUMNS)
        for file, p in by_file.items()}

    files = pl.DataFrame([
        {"file": file, "mapping": read.mapping.name, "sha256": read.sha256,
         "encoding": read.encoding, "rows_read": read.rows_read} for file, read in reads.items()
    ]).join(
        rejected.group_by("_source_file").len("rows_rejected").rename({"_source_file": "file"}),
        on="file", how="left",
    ).with_columns(pl.col("rows_rejected").fill_null(0).cast(pl.Int64))
    files = files.with_columns(
        (pl.col("rows_read") - pl.col("rows_rejected")).alias("rows_loaded"),
        pl.lit(entity.source).alias("source"), pl.lit(entity.name).alias("entity"))
    _fail_if_mostly_rejected(files, reads, rejected)
    _fail_if_a_code_is_unmapped(
        failures.join(records.select(ROW_ID, ROW, "_source_file"), on=ROW_ID), by_file, reads)

    outcomes = combined([[ExpectationOutcome(**o) for o in p.meta["outcomes"]] for p in parts])
    exported = {file: dict(p.exported.iter_rows()) for file, p in by_file.items()}
    return EntityLoad(entity, loaded, _rejected_rows(entity, rejected, reads, exported),
                      _where_exported(entity, flagged, reads), files, outcomes,
                      _field_fill(entity, loaded, reads), _row_keys(entity, keys, rejected_loaded))


# Files read and typed at once. Reading (DuckDB) and typing (polars) a file of tens of
# thousands of rows keep about one core busy, and both release the GIL.
_FILES_TYPED_AT_ONCE = 2


def _typed_in_turn(files: list[tuple[Path, str, Mapping]]
                   ) -> Iterator[tuple[ReadFile, CachedFile]]:
    """Each file as read and typed (`_typed_file`), in order, the next ones typed in threads
    while the caller handles it. A file that cannot be read raises when its turn comes, as
    it would have read one by one."""
    workers, ahead = ThreadPoolExecutor(_FILES_TYPED_AT_ONCE), deque()
    try:
        for file in files:
            ahead.append(workers.submit(_typed_file, *file))
            if len(ahead) > _FILES_TYPED_AT_ONCE:
                yield ahead.popleft().result()
        while ahead:
            yield ahead.popleft().result()
    finally:  # the caller stopped (a file failed): the files not started are not typed
        workers.shutdown(cancel_futures=True)


def _typed_file(path: Path, relative: str, mapping: Mapping) -> tuple[ReadFile, CachedFile]:
    """A file as read, and typed: its rows (with their content hashes), the cells that failed
    typing and its malformed rows, each with the file and mapping they came from (its
    rows as exported are filled in once it is validated)."""
    read = read_export(path, mapping)
    coerced = coerce(read, path, mapping)
    lineage = [pl.lit(relative).alias("_source_file"), pl.lit(mapping.name).alias("_mapping")]
    content = pl.struct([f.name for f in mapping.entity.fields])
    errors = coerced.errors.with_columns(lineage)
    return read, CachedFile(
        {"sha256": read.sha256, "encoding": read.encoding, "rows_read": read.rows_read,
         "headers": read.frame.columns, "sheets": [list(sheet) for sheet in read.sheets]},
        coerced.frame.with_columns(*lineage, *(content.hash(*seeds).alias(name)
                                               for name, seeds in _HASHES.items())),
        errors,
        read.malformed.select(ROW, pl.lit(None, pl.String).alias("column_name"), "reason",
                              *lineage),
        pl.DataFrame(schema=_EXPORTED),
        errors.clear())


def _row_keys(entity: Entity, keys: dict[str, str], dropped: pl.DataFrame) -> pl.DataFrame:
    """Per file, what identifies its loaded rows: its load cache key (the file's content and
    name, its mapping and the loader) and the rows the checks dropped from it, which other
    files can change (duplicates and key conflicts across files)."""
    dropped_by_file = dict(dropped.group_by("_source_file").agg(pl.col(ROW).sort()).iter_rows())
    return pl.DataFrame({
        "file": list(keys),
        "row_key": [hashlib.sha256(" ".join([key, *map(str, dropped_by_file.get(file, []))])
                                   .encode()).hexdigest() for file, key in keys.items()],
    }, schema={"file": pl.String, "row_key": pl.String}).with_columns(
        pl.lit(entity.source).alias("source"), pl.lit(entity.name).alias("entity"))


def _none_pending(parts: list[CachedFile]) -> list[CachedFile]:
    """No group of files is being validated yet: the parts as they are."""
    return parts


def _validating(entity: Entity, parts: list[CachedFile],
                fresh: dict[int, tuple[str | None, Mapping, ReadFile]],
                cache: LoadCache | None) -> Callable[[list[CachedFile]], list[CachedFile]]:
    """The files read tonight (`fresh`: position in `parts` -> cache key, mapping and the
    file as read) handed to the source's suite in one go. Returns what completes them in a
    list of parts holding them at those positions: each is given its rejected cells and the
    rows they reject as exported, the cells a warning rule flags (loaded all the same), its
    expectation outcomes and whether a later day could judge it otherwise; kept in the
    cache, and from then on read from it (or, without a cache, kept in memory)."""
    order = sorted(fresh)
    frame = pl.concat([parts[i].typed for i in order], how="vertical_relaxed")
    validation = validating(frame.select(f.name for f in entity.fields), entity.source,
                            entity.name)
    rows = frame.select(ROW, "_source_file", "_mapping").with_row_index(ROW_ID) \
        .with_columns(pl.col(ROW_ID).cast(pl.Int64))
    day = (cache.day if cache else reference_day()).isoformat()

    def completed(parts: list[CachedFile]) -> list[CachedFile]:
        done = validation()
        rejected = done.rejected().join(rows, on=ROW_ID)
        flagged = done.flagged().join(rows, on=ROW_ID)
        parts, start = list(parts), 0
        for i in order:
            key, mapping, read = fresh[i]
            end = start + parts[i].typed.height
            within = pl.col(ROW_ID).is_between(start, end - 1)
            columns = parts[i].failures.columns
            failures = pl.concat([parts[i].failures, rejected.filter(within).select(columns)],
                                 how="vertical_relaxed")
            warnings = flagged.filter(within).select(columns)
            meta = {**parts[i].meta, "reference_day": day,
                    "outcomes": [asdict(o) for o in done.outcomes_within(start, end)],
                    "judged_by_the_day": _judged_by_the_day(failures["reason"], [mapping])}
            exported = read.records(pl.concat([
                failures[ROW].cast(pl.Int64), parts[i].malformed[ROW].cast(pl.Int64),
                _sharing_rows(entity, parts[i].typed)]).to_list())
            part = CachedFile(meta, parts[i].typed, failures, parts[i].malformed,
                              pl.DataFrame(list(exported.items()), schema=_EXPORTED,
                                           orient="row"), warnings)
            parts[i] = cache.put(entity.source, key, part) if cache and key \
                else replace(part, typed=part.typed.lazy())
            start = end
        return parts

    return completed


def _sharing_rows(entity: Entity, typed: pl.DataFrame) -> pl.Series:
    """Rows of one file that share their content or their key with another of its rows:
    those the checks across rows may reject (exact duplicates, key conflicts)."""
    return typed.filter(pl.struct(list(_HASHES)).is_duplicated()
                        | pl.struct(_identity(entity)).is_duplicated())[ROW].cast(pl.Int64)


def _identity(entity: Entity) -> list[str]:
    """The columns a row's key conflicts are judged on: its key and revision time."""
    return list(dict.fromkeys([*entity.key, *filter(None, [REVISION_TIME.get(entity.name)])]))


def _field_fill(entity: Entity, parts: dict[str, pl.LazyFrame], reads: dict) -> pl.DataFrame:
    """Per file x canonical field: the export column the mapping read it from (null when the
    mapping or the file lacks it), rows with a value, and the first and last month of the
    entity's date among them. Per file, so coverage adds up across a source's files."""
    month = (pl.col(entity.event_date).dt.truncate("1mo") if entity.event_date
             else pl.lit(None, pl.Date))
    # One pass over each file's rows: each field's filled count and months.
    fill = pl.concat([part.with_columns(month.alias("_m")).group_by("_source_file").agg(
        pl.len().alias("rows"),
        *(expression.alias(f"{field.name}\x1f{what}")
          for field in entity.fields
          for what, expression in (("n", _has_value(field).sum()),
                                   ("first", pl.col("_m").filter(_has_value(field)).min()),
                                   ("last", pl.col("_m").filter(_has_value(field)).max()))))
        for part in parts.values()]).collect() if parts else pl.DataFrame()
    by_file = {row["_source_file"]: row for row in fill.iter_rows(named=True)}
    rows = []
    for file, read in reads.items():
        mapping, headers = read.mapping, {header_key(h): h for h in read.headers}
        of_file = by_file.get(file, {})
        for field in entity.fields:
            rows.append({
                "file": file, "field": field.name,
                "column_name": (headers.get(header_key(mapping.columns[field.name]))
                                if field.name in mapping.columns
                                else mapping.describe_source(field.name)),
                "rows_loaded": of_file.get("rows", 0),
                "rows_filled": of_file.get(f"{field.name}\x1fn", 0),
                "first_month_filled": of_file.get(f"{field.name}\x1ffirst"),
                "last_month_filled": of_file.get(f"{field.name}\x1flast"),
            })
    return pl.DataFrame(rows, schema={
        "file": pl.String, "field": pl.String, "column_name": pl.String,
        "rows_loaded": pl.Int64, "rows_filled": pl.Int64, "first_month_filled": pl.Date,
        "last_month_filled": pl.Date,
    }).with_columns(pl.lit(entity.source).alias("source"), pl.lit(entity.name).alias("entity"))


def _has_value(field) -> pl.Expr:
    present = pl.col(field.name).is_not_null()
    return present & (pl.col(field.name).list.len() > 0) if field.kind == LIST else present


def newest_record_date(loads: list[EntityLoad], as_of: dt.date) -> dt.date | None:
    """The latest record date a source's loaded rows carry, ignoring dates after `as_of` (a
    mistyped future date must not make a stale source look fresh)."""
    dates = [
        load.rows.select(pl.col(load.entity.event_date).filter(
            pl.col(load.entity.event_date) <= as_of).max()).collect().item()
        for load in loads if load.entity.event_date and load.parts
    ]
    dates = [d for d in dates if d is not None]
    return max(dates) if dates else None


def _exact_duplicates(records: pl.DataFrame, rejected: pl.Series) -> pl.DataFrame:
    """Later copies of a row identical in every canonical field (by its content hashes),
    naming the first copy; the rows already `rejected` left out."""
    shared = records.lazy().filter(_shared(pl.col(next(iter(_HASHES))))) \
        .filter(~pl.col(ROW_ID).is_in(rejected.implode()))
    copies = shared.select(ROW_ID, pl.col(ROW_ID).first().over(list(_HASHES)).alias("_first")) \
        .filter(pl.col(ROW_ID) != pl.col("_first"))
    # Reasons are written for the copies only: a million rows' worth would take gigabytes.
    # (Rechunked first: polars 1.44's format panics on columns filtered into unequal chunks.)
    return copies.join(shared.select(pl.col(ROW_ID).alias("_first"), "_source_file", ROW),
                       on="_first", maintain_order="left").collect().rechunk().select(
        ROW_ID, pl.lit(None, pl.String).alias("column_name"),
        pl.format(f"{EXACT_DUPLICATE} {{}} row {{}}", pl.col("_source_file"), pl.col(ROW))
        .alias("reason"))


def _shared(hashes: pl.Expr) -> pl.Expr:
    """Whether another row has the same 64-bit hash: a few more rows than those sharing
    what was hashed, which grouping then sorts out. Found by sorting the hashes (about 16
    bytes a row, where grouping every row took about 170: gigabytes at a national year),
    before any other filter copies the rows."""
    ordered = hashes.sort()
    return hashes.is_in(ordered.filter(ordered == ordered.shift(1)).implode())


def _key_conflicts(entity: Entity, records: pl.DataFrame, rejected: pl.Series) -> pl.DataFrame:
    """Rows sharing their key (see KEYS_ACROSS_FILES) with different content: each rejected,
    naming the other rows; the rows already `rejected` (failures, exact duplicates) left
    out."""
    key = list(entity.key)
    revision = REVISION_TIME.get(entity.name)
    # The rows a key must be unique among: every file's (null), or its own file's.
    if entity.name in KEYS_ACROSS_FILES:
        scope = pl.lit(None)
    elif revision:
        scope = pl.when(pl.col(revision).is_null()).then(pl.col("_source_file"))
    else:
        scope = pl.col("_source_file")
    at = pl.format("{} row {}", pl.col("_source_file"), pl.col(ROW))
    group = [*key, "_scope"]
    clashing = (
        records.lazy().with_columns(scope.alias("_scope"))
        # Only rows sharing a key are named in lists: a list for every row of a large
        # source would take gigabytes.
        .filter(_shared(reduce(pl.Expr.xor, (pl.col(c).hash(_KEY_HASH_SEED) for c in group))))
        .filter(~pl.col(ROW_ID).is_in(rejected.implode()))
        .filter(pl.len().over(group) > 1)
        .collect().rechunk()  # as in _exact_duplicates
        .with_columns(at.alias("_at"))
        .with_columns(pl.col("_at").over(group, mapping_strategy="join").alias("_group"))
    )
    names = " and ".join(key)
    return clashing.select(
        ROW_ID,
        pl.lit(None, pl.String).alias("column_name"),
        pl.format(
            "same {} as {} with different content: rows that disagree cannot both be right, "
            "so all are rejected; keep the right one in the export",
            pl.lit(names),
            pl.col("_group").list.set_difference(pl.concat_list("_at")).list.head(5)
            .list.join(", ")).alias("reason"),
    )


def rows_of_commonest_problem(problems: pl.DataFrame) -> int:
    """The rows rejected for the commonest problem of one column (the same reason, values
    aside) among `problems` (rows with `column_name`, `reason` and the row number)."""
    return problems.filter(pl.col("column_name").is_not_null()).with_columns(
        pl.col("reason").map_elements(without_quoted_values, return_dtype=pl.String)
        .alias("problem")).group_by("column_name", "problem") \
        .agg(pl.col(ROW).n_unique())[ROW].max() or 0


def mostly_rejected(rows_rejected: int, rows_read: int, one_problem: int | None = None) -> bool:
    """Whether a file with this many of its rows rejected means the mapping no longer fits
    (which stops the batch): more than half of them, in a file of at least
    MIN_ROWS_FOR_SHARE_RULE rows or, in a smaller one, with at least
    MIN_REJECTED_IN_SMALL_FILE rows rejected for one problem of one column (`one_problem`:
    the rows of the commonest; unknown, all of them)."""
    if rows_rejected <= MAX_REJECTED_SHARE * rows_read:
        return False
    return rows_read >= MIN_ROWS_FOR_SHARE_RULE or (
        rows_rejected if one_problem is None else one_problem) >= MIN_REJECTED_IN_SMALL_FILE


def _fail_if_mostly_rejected(files: pl.DataFrame, reads: dict, rejected: pl.DataFrame) -> None:
    for row in files.iter_rows(named=True):
        if mostly_rejected(row["rows_rejected"], row["rows_read"]):
            # Exact copies of another file's rows are an export repeated (two snapshots of
            # a register side by side), not a mapping that no longer fits.
            ofs = rejected.filter((pl.col("_source_file") == row["file"])
                                  & ~pl.col("reason").str.starts_with(EXACT_DUPLICATE))
            misread = ofs[ROW].n_unique()
            if not misread:
                continue
            # The most common problem, named by column and a value-free reason.
            [common] = (
                ofs.with_columns(pl.col("reason").map_elements(
                    without_quoted_values, return_dtype=pl.String).alias("problem"))
                .group_by("column_name", "problem").agg(pl.len(), pl.col(ROW).min())
                .sort("len", ROW, descending=[True, False]).head(1).iter_rows(named=True))
            # A small file stops on one problem of one column repeated (a column misread),
            # not on rows of the wrong shape (a stray quote joining lines is the export's)
            # nor on different mistakes in a few cells.
            if not mostly_rejected(misread, row["rows_read"], rows_of_commonest_problem(ofs)):
                continue
            path, mapping = reads[row["file"]].path, reads[row["file"]].mapping
            column = f"column {common['column_name']}: " if common["column_name"] else ""
            sheet, first = sheet_row(reads[row["file"]].sheets, common[ROW])
            where = f"row {first} of sheet {sheet!r}" if sheet else f"row {first}"
            raise BatchError(path, mapping, (
                f"{misread} of {row['rows_read']} rows are rejected, so the mapping "
                "probably no longer fits this export (a changed date format, delimiter or "
                f"codes?); most often ({common['len']} rows, first at {where}) "
                f"{column}{common['problem']}"))


def stops_the_batch(rows_with_unmapped_code: int, rows_read: int) -> bool:
    """Whether one code value the mapping does not map, in this many of a file's rows, is a
    code the mapping lacks (which stops the batch) rather than a few mistyped cells."""
    return rows_with_unmapped_code >= max(MIN_ROWS_FOR_SHARE_RULE,
                                          UNMAPPED_CODE_SHARE * rows_read)


def _fail_if_a_code_is_unmapped(failures: pl.DataFrame, by_file: dict, reads: dict) -> None:
    """A code value the mapping's values do not cover (a new or renamed code in the export, a
    typo under values:) rejects every record carrying it, however many: a third of a trust's
    incidents, for one misspelt harm grade. Fail the batch, as for a file mostly rejected,
    rather than publish marts without them. `failures`: the validation's, with each row's
    file and row."""
    unknown = failures.filter(pl.col("reason").str.contains(UNKNOWN_VALUE, literal=True))
    for (file, field), rows in unknown.group_by("_source_file", "column_name"):
        read = reads[file]
        if not stops_the_batch(rows.height, read.rows_read):
            continue
        [common] = (
            by_file[file].typed.lazy()
            .filter(pl.col(ROW).cast(pl.Int32).is_in(rows[ROW].cast(pl.Int32).implode()))
            .group_by(field).agg(pl.len(), pl.col(ROW).min())
            .sort("len", ROW, descending=[True, False]).head(1).collect().iter_rows(named=True))
        if stops_the_batch(common["len"], read.rows_read):
            sheet, first = sheet_row(read.sheets, common[ROW])
            where = f"row {first} of sheet {sheet!r}" if sheet else f"row {first}"
            raise BatchError(read.path, read.mapping, (
                f"{common['len']} of {read.rows_read} rows hold the same {field} value, which "
                f"the mapping does not map to a known one (first at {where}): a code "
                f"the export uses and the mapping lacks; add it under values.{field} (loading "
                "would reject every record carrying it)"))


def _rejected_rows(entity: Entity, rejected: pl.DataFrame, reads: dict,
                   exported: dict[str, dict[int, str]]) -> pl.DataFrame:
    """The rejected rows with their records as exported: those the file alone rejects are
    kept from when it was read (`exported`, file -> row -> record, completed here); a file
    is read again only for the rows another file's rows reject (duplicates and key
    conflicts)."""
    for file, read in reads.items():
        rows = rejected.filter(pl.col("_source_file") == file)[ROW].to_list()
        exported[file].update(read.records([row for row in rows if row not in exported[file]]))
    records = [exported[file][row]
               for file, row in rejected.select("_source_file", ROW).iter_rows()]
    return _where_exported(entity, rejected, reads).with_columns(
        pl.Series("record", records, dtype=pl.String))


def _where_exported(entity: Entity, rows: pl.DataFrame, reads: dict) -> pl.DataFrame:
    """Rows of the load's files (_source_file, _source_row, column_name, reason, _mapping)
    in the layout of raw.rejected_rows and raw.flagged_rows, each numbered as its file shows
    it."""
    if any(read.sheets for read in reads.values()):
        # A workbook read sheet by sheet: each row numbered as its sheet shows it, the
        # reason naming the sheet.
        where = [sheet_row(reads[file].sheets if file in reads else (), row)
                 for file, row in rows.select("_source_file", ROW).iter_rows()]
        rows = rows.with_columns(
            pl.Series(ROW, [row for _, row in where], dtype=pl.Int64),
            pl.Series("reason", [f"sheet {sheet!r}: {reason}" if sheet else reason
                                 for (sheet, _), reason in zip(where, rows["reason"],
                                                               strict=True)],
                      dtype=pl.String))
    return rows.select(
        pl.lit(entity.source).alias("source"),
        pl.lit(entity.name).alias("entity"),
        pl.col("_source_file").alias("file"),
        pl.col(ROW).cast(pl.Int32).alias("row_number"),
        pl.when(pl.col("column_name") == "").then(None).otherwise(pl.col("column_name"))
        .alias("column_name"),
        "reason",
        pl.col("_mapping").alias("mapping"),
    )


def judged_by_the_day(loads: list[EntityLoad], mappings: list[Mapping], source: str) -> bool:
    """Whether a later day could load the same files differently (_judged_by_the_day)."""
    reasons = [load.rejected["reason"] for load in loads if load.rejected.height]
    return _judged_by_the_day(pl.concat(reasons) if reasons else pl.Series([], dtype=pl.String),
                              [m for m in mappings if m.source == source])


def _judged_by_the_day(reasons: pl.Series, mappings: list[Mapping]) -> bool:
    """Only plausible-date bounds relative to the day read it, and a later day moves an upper
    bound later: a date accepted stays accepted. So a load holds on later days unless it
    rejected a date as outside its range (accepted on a later day, perhaps; the reason names
    the bounds) or a mapping makes a lower bound relative to the day."""
    return bool(reasons.str.contains(OUT_OF_RANGE, literal=True).any()) or any(
        lower_bound_moves(field, mapping.plausible_dates)
        for mapping in mappings
        for field in mapping.entity.fields if field.kind in (DATE, TIMESTAMP))


def newest_loaded_date(con: duckdb.DuckDBPyConnection, source: str,
                       as_of: dt.date) -> dt.date | None:
    """newest_record_date of the rows the source's raw tables hold (a load kept from an
    earlier night): the same dates, read from the warehouse."""
    dates = [
        con.execute(f"select max({e.event_date}) from {RAW_SCHEMA}.{e.name} "
                    f"where {e.event_date} <= ?", [as_of]).fetchone()[0]
        for e in SOURCES[source] if e.event_date
    ]
    dates = [d for d in dates if d is not None]
    return max(dates) if dates else None


def write_source(con: duckdb.DuckDBPyConnection, source: str, loads: list[EntityLoad] | None,
                 state: SourceState | None = None,
                 fingerprint: tuple[str, dict] | None = None) -> None:
    """Replace the source's raw tables and accounting (and, given its state, its inventory
    row; given its (fingerprint, load summary), the fingerprint the incremental refresh
    compares) in one transaction. With no loads (the files are unchanged since the load the
    tables hold) only the inventory row is replaced.

    The rows of the files that changed are first staged beside each raw table in committed
    batches (_stage_changed_files), and the transaction moves them in: DuckDB keeps rows a
    transaction inserts from outside in memory until it commits (about 4 GB for 40M narrow
    rows under a 2 GB limit), but writes rows it copies from a table to disk as it goes.
    When every row of a table is replaced (a first load), the staged table takes its place
    instead of being copied into it (_move_staged_in)."""
    create_raw_tables(con)
    tables = [load.entity.name for load in loads or []]
    try:
        replaced = {table: _stage_changed_files(con, table, load.parts, load.row_keys)
                    for table, load in zip(tables, loads or [], strict=True)}
        _replace_source(con, source, loads, state, fingerprint, replaced)
    finally:  # moved in, or left behind by a failure: either way not kept
        for table in tables:
            con.execute(f"drop table if exists {RAW_SCHEMA}.{_staged(table)}")


def _replace_source(con: duckdb.DuckDBPyConnection, source: str,
                    loads: list[EntityLoad] | None, state: SourceState | None,
                    fingerprint: tuple[str, dict] | None, replaced: dict[str, list[str]]) -> None:
    """write_source's one transaction, the changed files' rows already staged."""
    con.execute("begin transaction")
    try:
        if loads is not None:
            for table in ("rejected_rows", "flagged_rows", "loaded_files", "loaded_fields",
                          "loaded_row_keys"):
                con.execute(f"delete from {RAW_SCHEMA}.{table} where source = ?", [source])
        if state is not None:
            con.execute(f"delete from {RAW_SCHEMA}.source_inventory where source = ?", [source])
            con.execute(
                f"insert into {RAW_SCHEMA}.source_inventory values (?, ?, ?, ?, ?, ?, ?, ?)",
                [source, state.is_expected, state.files, state.rows_loaded,
                 state.newest_record_date, state.as_of_date, state.stale_after_days,
                 state.state])
        for load in loads or []:
            _move_staged_in(con, load.entity.name, replaced[load.entity.name])
            for table, frame in (("rejected_rows", load.rejected), ("flagged_rows", load.flagged),
                                 ("loaded_files", load.files),
                                 ("loaded_fields", load.fields),
                                 ("loaded_row_keys", load.row_keys)):
                if frame.height:
                    insert_frame(con, f"{RAW_SCHEMA}.{table}", frame)
        if fingerprint is not None:
            store(con, load_step(source), *fingerprint)
        elif loads is not None:
            store(con, load_step(source), None)  # loaded without one: read again next time
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def _staged(table: str) -> str:
    """The table (in the raw schema) raw.<table>'s changed rows are staged in."""
    return f"_staged_{table}"


def _stage_changed_files(con: duckdb.DuckDBPyConnection, table: str,
                         parts: dict[str, pl.LazyFrame], row_keys: pl.DataFrame) -> list[str]:
    """Stage the rows of each file whose loaded rows differ from what raw.<table> holds in a
    table beside it, and return the files whose rows raw.<table> must drop: those staged and
    those no longer exported. A night that adds one export file stages that file's rows, not
    the source's millions. A file's rows can change with the file unchanged (a duplicate or
    key conflict with another file), so each file is judged, not only the ones read tonight:
    by its row key (_row_keys) where raw.loaded_row_keys holds one for it, without reading its
    rows; otherwise by comparing its rows' count and the sum of their hashes. Files are
    compared and staged in batches of about WRITE_BATCH_ROWS rows, each committed, so a
    source is never held whole, by polars or by DuckDB."""
    target, staging = f"{RAW_SCHEMA}.{table}", f"{RAW_SCHEMA}.{_staged(table)}"
    # As raw.<table> is made, constraints included: it may take that table's place.
    con.execute(f"drop table if exists {staging}")
    con.execute(entity_ddl(ENTITIES[table], _staged(table)))
    held_files = {file for (file,) in con.execute(
        f"select distinct _source_file from {target}").fetchall()}
    kept = dict(con.execute(f"select file, row_key from {RAW_SCHEMA}.loaded_row_keys "
                            "where entity = ?", [table]).fetchall())
    tonight = dict(row_keys.select("file", "row_key").iter_rows()) if row_keys.height else {}
    files = [file for file in parts
             if file not in held_files or kept.get(file) != tonight[file]]
    # Hashed as the table's types, so equal values hash alike on both sides.
    columns = ", ".join(f'"{name}"::{kind}' for name, kind
                        in table_columns(con, table, RAW_SCHEMA))
    digests = (f"select _source_file, count(*), sum(hash({columns})) from {{}} "
               "where _source_file in (select unnest(?)) group by all")
    held = {file: digest for file, *digest
            in con.execute(digests.format(target), [files]).fetchall()} if held_files else {}
    batch, replaced = [], []
    for i, file in enumerate(files, start=1):
        batch.append(parts[file].collect())
        if i < len(files) and sum(rows.height for rows in batch) < WRITE_BATCH_ROWS:
            continue
        filled = [rows for rows in batch if rows.height]
        con.register("incoming", pl.concat(filled, how="vertical_relaxed").to_arrow()
                     if filled else batch[-1].to_arrow())
        try:
            names = files[i - len(batch):i]
            if held.keys() & set(names):
                incoming = {name: digest for name, *digest
                            in con.execute(digests.format("incoming"), [names]).fetchall()}
                changed = [name for name in names if incoming.get(name) != held.pop(name, None)]
            else:  # the table holds none of these files (a first load): their rows are new
                changed = [name for name, rows in zip(names, batch, strict=True) if rows.height]
            con.execute(f"insert into {staging} by name select * from incoming "
                        "where _source_file in (select unnest(?))", [changed])
        finally:
            con.unregister("incoming")
        replaced += changed
        batch = []
    return replaced + sorted(held_files - set(parts))  # and those no longer exported


def _move_staged_in(con: duckdb.DuckDBPyConnection, table: str, replaced: list[str]) -> None:
    """Within the caller's transaction, make raw.<table> drop the rows of the `replaced`
    files and take the staged ones (_stage_changed_files), noting their keys."""
    target, staging = f"{RAW_SCHEMA}.{table}", f"{RAW_SCHEMA}.{_staged(table)}"
    kept = con.execute(f"select exists (from {target} where _source_file not in "
                       "(select unnest(?)))", [replaced]).fetchone()[0]
    if replaced:
        _note_changed_keys(con, table, replaced, every=not kept)
    if kept:
        con.execute(f"delete from {target} where _source_file in (select unnest(?))", [replaced])
        con.execute(f"insert into {target} by name from {staging}")
    else:  # every row replaced (a first load): the staged table takes its place, not a copy
        con.execute(f"drop table {target}")
        con.execute(f"alter table {staging} rename to {table}")


def _note_changed_keys(con: duckdb.DuckDBPyConnection, table: str, replaced: list[str],
                       every: bool) -> None:
    """Add to raw.changed_keys the record ids of raw.<table>'s rows in the `replaced` files and
    of the staged rows replacing them, or, `every` row being replaced, a null for all of them:
    the build after recomputes only those records in the tables kept per record."""
    entity = ENTITIES[table]
    if every:
        note_every_record_changed(con, entity.source, table)
        return
    key = entity.key[0]
    con.execute(f"""insert into {RAW_SCHEMA}.changed_keys
        select '{entity.source}', '{table}', {key}::varchar from (
            select {key} from {RAW_SCHEMA}.{table} where _source_file in (select unnest(?))
            union select {key} from {RAW_SCHEMA}.{_staged(table)})""", [replaced])
