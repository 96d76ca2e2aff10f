"""Read one export file through its mapping into canonical, typed columns.

Two kinds of failure, treated differently:
- batch-level (unreadable or empty file, a required column missing): `BatchError`, naming the
  file and the mapping; the whole run stops and the published marts stay as they were;
- row-level (a value that cannot be coerced): the row is kept aside with its reason, the
  rest of the file loads.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipelines.lib.canonical import (
    BOOLEAN,
    DATE,
    ENUM,
    INTEGER,
    LIST,
    NUMBER,
    TIMESTAMP,
    Field,
)
from pipelines.lib.cell_shape import cell_shape
from pipelines.lib.mapping import Mapping, normalise

# Spreadsheet row of the first data row: the header is row 1.
FIRST_DATA_ROW = 2
ROW = "_source_row"
# Excel cells typed as dates arrive as ISO text whatever the mapping's display format says.
_ISO_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")


class BatchError(RuntimeError):
    """A file that cannot be loaded at all."""

    def __init__(self, path: Path, mapping: Mapping, problem: str):
        super().__init__(f"{path} (mapping {mapping.path}): {problem}")
        self.path = path
        self.mapping = mapping


@dataclass(frozen=True)
class ReadFile:
    """An export as read: every cell as text, plus how it was decoded."""

    frame: pl.DataFrame
    encoding: str
    sha256: str


def read_export(path: Path, mapping: Mapping) -> ReadFile:
    try:
        content = path.read_bytes()
    except OSError as error:
        raise BatchError(path, mapping, f"cannot be read ({error})") from error
    digest = hashlib.sha256(content).hexdigest()
    if not content.strip():
        raise BatchError(path, mapping, "is empty")
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        frame, encoding = _read_workbook(path, mapping), "xlsx"
    else:
        frame, encoding = _read_csv(path, mapping, content)
    if frame.height == 0:
        raise BatchError(path, mapping, "has a header but no data rows")
    return ReadFile(frame, encoding, digest)


def _decode(path: Path, mapping: Mapping, content: bytes) -> tuple[str, str]:
    if mapping.encoding in ("auto", "utf-8"):
        try:
            return content.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError as error:
            if mapping.encoding == "utf-8":
                raise BatchError(path, mapping, f"is not valid UTF-8 ({error}); "
                                 "set `encoding: windows-1252` or `auto`") from error
    # Windows-1252 decodes almost any byte; five bytes it leaves undefined are kept as-is.
    return content.decode("windows-1252", errors="replace"), "windows-1252"


def _read_csv(path: Path, mapping: Mapping, content: bytes) -> tuple[pl.DataFrame, str]:
    text, encoding = _decode(path, mapping, content)
    try:
        frame = pl.read_csv(io.StringIO(text), infer_schema=False,
                            missing_utf8_is_empty_string=True)
    except pl.exceptions.PolarsError as error:
        raise BatchError(path, mapping, f"is not a readable CSV ({error})") from error
    return frame, encoding


def _read_workbook(path: Path, mapping: Mapping) -> pl.DataFrame:
    sheet = {"sheet_name": mapping.sheet} if mapping.sheet else {"sheet_id": 1}
    try:
        return pl.read_excel(path, **sheet, infer_schema_length=0, raise_if_empty=False)
    except Exception as error:  # fastexcel raises its own hierarchy, not PolarsError
        raise BatchError(path, mapping, f"is not a readable workbook/sheet ({error})") from error


@dataclass(frozen=True)
class CoercedFile:
    """Canonical columns (typed) plus `_source_row`, and the rows that failed coercion."""

    frame: pl.DataFrame
    errors: pl.DataFrame  # _source_row, column_name, reason


def coerce(read: ReadFile, path: Path, mapping: Mapping) -> CoercedFile:
    headers = {normalise(h): h for h in read.frame.columns}
    missing = [
        f"{name} (column {mapping.columns[name]!r})"
        for name in mapping.entity.required if normalise(mapping.columns[name]) not in headers
    ]
    if missing:
        raise BatchError(path, mapping, f"required columns missing: {', '.join(missing)}; "
                                        f"the file has {read.frame.columns}")

    frame = read.frame.with_row_index(ROW, offset=FIRST_DATA_ROW)
    nulls = list(mapping.nulls)
    columns, errors = [], []
    for field in mapping.entity.fields:
        header = headers.get(normalise(mapping.columns.get(field.name, "\0")))
        if header is None:
            columns.append(pl.lit(None, dtype=_dtype(field)).alias(field.name))
            continue
        text = pl.col(header).str.strip_chars()
        text = pl.when(text.str.to_lowercase().is_in(nulls)).then(None).otherwise(text)
        value, problem = _convert(field, text, mapping)
        columns.append(value.alias(field.name))
        if problem is not None:
            # The reason is published: it gives the cell's shape, never its value.
            errors.append(
                pl.when(problem).then(pl.format(
                    "{} {} (the cell reads {})", pl.lit(field.name),
                    pl.lit(_expectation(field, mapping)), cell_shape(text)))
                .alias(field.name))
    typed = frame.select(pl.col(ROW), *columns, *errors and [pl.struct(errors).alias("_errors")])
    if not errors:
        return CoercedFile(typed, _no_errors())
    problems = (
        typed.select(ROW, pl.col("_errors").struct.unnest())
        .unpivot(index=ROW, variable_name="column_name", value_name="reason")
        .drop_nulls("reason")
        .sort(ROW, "column_name")
    )
    return CoercedFile(typed.drop("_errors"), problems)


def _no_errors() -> pl.DataFrame:
    return pl.DataFrame(schema={ROW: pl.UInt32, "column_name": pl.String, "reason": pl.String})


def _dtype(field: Field) -> pl.DataType:
    return {
        DATE: pl.Date(), TIMESTAMP: pl.Datetime("us"), INTEGER: pl.Int64(),
        NUMBER: pl.Float64(), BOOLEAN: pl.Boolean(), LIST: pl.List(pl.String),
    }.get(field.kind, pl.String())


def _expectation(field: Field, mapping: Mapping) -> str:
    return {
        DATE: f"is not a date in the format {mapping.date_format}",
        TIMESTAMP: f"is not a date-time in the format {mapping.timestamp_format}",
        INTEGER: "is not a whole number",
        NUMBER: "is not a number",
        BOOLEAN: "is not a yes/no value (add it to true_values/false_values)",
    }[field.kind]


def _convert(field: Field, text: pl.Expr, mapping: Mapping) -> tuple[pl.Expr, pl.Expr | None]:
    """Expression for the typed value, and one that is true where a present value failed."""
    kind = field.kind
    if kind == ENUM:
        # Unknown codes stay as exported so the data-quality suite can name them.
        table = mapping.values.get(field.name, {})
        allowed = {normalise(v): v for v in field.values}
        lookup = {**allowed, **table}
        key = text.str.to_lowercase()
        return key.replace_strict(lookup, default=text, return_dtype=pl.String), None
    if kind == LIST:
        parts = text.str.split(mapping.list_separator).list.eval(
            pl.element().str.strip_chars().filter(pl.element() != ""))
        return parts, None
    if kind == BOOLEAN:
        key = text.str.to_lowercase()
        table = {**dict.fromkeys(mapping.true_values, True),
                 **dict.fromkeys(mapping.false_values, False),
                 **{k: v == "true" for k, v in mapping.values.get(field.name, {}).items()}}
        value = key.replace_strict(table, default=None, return_dtype=pl.Boolean)
    elif kind in (DATE, TIMESTAMP):
        formats = (mapping.date_format, *_ISO_FORMATS) if kind == DATE else (
            mapping.timestamp_format, mapping.date_format, *_ISO_FORMATS)
        parsed = [text.str.strptime(pl.Datetime("us"), fmt, strict=False) for fmt in formats]
        value = pl.coalesce(parsed)
        value = value.dt.date() if kind == DATE else value
    elif kind == INTEGER:
        number = text.str.replace_all(",", "").cast(pl.Float64, strict=False)
        value = pl.when(number == number.round(0)).then(number).cast(pl.Int64)
    elif kind == NUMBER:
        value = text.str.replace_all("[,%]", "").cast(pl.Float64, strict=False)
    else:
        return text, None
    return value, text.is_not_null() & value.is_null()
