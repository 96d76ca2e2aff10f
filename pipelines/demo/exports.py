"""Export tables in a source system's own dialect, and the files they are written to.

A `Table` is one export layout: its frame holds the export's headers plus internal columns
(prefixed `_`) that say which file a row goes to, its order in the file, what it was planted
for and what mess it carries. Row positions are only known once rows are ordered into their
files, so the truth about messy rows is read back at write time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import xlsxwriter

FILE, ORDER, TAG, MARK, COLUMN, REASON = "_file", "_order", "_tag", "_mark", "_column", "_reason"
INTERNAL = (FILE, ORDER, TAG, MARK, COLUMN, REASON)
# Workbooks carry a creation time; a fixed one keeps them byte-identical between runs.
WORKBOOK_CREATED = dt.datetime(2026, 1, 1)


# The canonical field that identifies a row of each source, reported with each messy row.
KEYS = {"incidents": "incident_id", "complaints": "complaint_id", "fft": "response_id",
        "inquests": "case_reference", "sjr": "review_id", "audit": "audit_id",
        "activity": "location", "claims": "claim_reference"}


@dataclass
class Table:
    source: str
    frame: pl.DataFrame
    headers: dict[str, str]  # canonical field -> export header
    sheet: str | None = None  # set for workbook sheets
    encoding: str = "utf-8"
    line_terminator: str = "\n"

    def header(self, field: str) -> str:
        return self.headers[field]


@dataclass(frozen=True)
class Dialect:
    """How a system writes values: its date formats, booleans, lists and code spellings."""

    date_format: str | None = "%d/%m/%Y"  # None: keep typed (workbook date cells)
    timestamp_format: str | None = "%d/%m/%Y %H:%M:%S"
    true: str = "Y"
    false: str = "N"
    list_separator: str = "; "


def render(records: pl.DataFrame, columns: dict[str, str], dialect: Dialect, *,
           values: dict[str, dict[str, str]] | None = None, source: str,
           canonical: set[str], **table: object) -> Table:
    """A Table from canonical records: `columns` maps record columns to export headers in
    file order; `values` maps canonical codes to the system's spellings; `canonical` names
    the record columns that are canonical fields (the rest are extra export columns)."""
    values = values or {}
    expressions = []
    for column, header in columns.items():
        expr = pl.col(column)
        dtype = records.schema[column]
        if column in values:
            expr = expr.replace_strict(values[column], default=expr, return_dtype=pl.String)
        elif dtype == pl.Boolean:
            expr = pl.when(expr).then(pl.lit(dialect.true)).when(~expr).then(
                pl.lit(dialect.false))
        elif isinstance(dtype, pl.List):
            expr = pl.when(expr.list.len() > 0).then(expr.list.join(dialect.list_separator))
        elif dtype == pl.Date and dialect.date_format:
            expr = expr.dt.strftime(dialect.date_format)
        elif isinstance(dtype, pl.Datetime) and dialect.timestamp_format:
            expr = expr.dt.strftime(dialect.timestamp_format)
        elif dialect.date_format and dtype != pl.String:  # CSV: text; workbooks keep numbers
            expr = expr.cast(pl.String)
        expressions.append(expr.alias(header))
    frame = records.select(
        *expressions, *(pl.col(c) for c in (FILE, ORDER, TAG) if c in records.columns)
    ).with_columns(pl.lit(None, pl.String).alias(c) for c in (MARK, COLUMN, REASON))
    if TAG not in frame.columns:
        frame = frame.with_columns(pl.lit(None, pl.String).alias(TAG))
    headers = {c: h for c, h in columns.items() if c in canonical}
    return Table(source, frame, headers, **table)


@dataclass(frozen=True)
class Written:
    volumes: dict[str, int]  # file (or "file#sheet" for a workbook sheet) -> data rows
    marks: list[dict]  # every marked row with its file, 1-based data row, kind and details


def write_tables(out_dir: Path, tables: list[Table]) -> Written:
    volumes: dict[str, int] = {}
    marks: list[dict] = []
    workbooks: dict[str, list[tuple[Table, pl.DataFrame]]] = {}
    for table in tables:
        ordered = table.frame.sort([FILE, ORDER], maintain_order=True)
        for (name,), part in ordered.group_by(FILE, maintain_order=True):
            label = f"{name}#{table.sheet}" if table.sheet else name
            volumes[label] = part.height
            marks.extend(_marks(part, name, table))
            data = part.drop(INTERNAL)
            if table.sheet:
                workbooks.setdefault(name, []).append((table, data))
            else:
                text = data.write_csv(line_terminator=table.line_terminator)
                path = out_dir / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(text.encode(table.encoding))
    for name, sheets in workbooks.items():
        _write_workbook(out_dir / name, sheets)
    return Written(volumes, marks)


def _marks(part: pl.DataFrame, name: str, table: Table) -> list[dict]:
    rows = part.with_row_index("row", offset=1).filter(pl.col(MARK).is_not_null())
    key = table.header(KEYS[table.source])
    return [
        {"kind": r[MARK], "source": table.source, "file": name,
         **({"sheet": table.sheet} if table.sheet else {}), "row": r["row"],
         "record_id": r[key], **({"column": r[COLUMN]} if r[COLUMN] else {}),
         **({"reason": r[REASON]} if r[REASON] else {})}
        for r in rows.select("row", key, MARK, COLUMN, REASON).iter_rows(named=True)
    ]


def _write_workbook(path: Path, sheets: list[tuple[Table, pl.DataFrame]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path), {
        "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False})
    workbook.set_properties({"created": WORKBOOK_CREATED, "author": "Triangulate demo trust"})
    bold = workbook.add_format({"bold": True})
    date_format = workbook.add_format({"num_format": "dd/mm/yyyy"})
    for table, data in sheets:
        sheet = workbook.add_worksheet(table.sheet)
        sheet.write_row(0, 0, data.columns, bold)
        sheet.set_column(0, data.width - 1, 18)
        for r, row in enumerate(data.iter_rows(), start=1):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, dt.date):
                    sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_format)
                else:
                    sheet.write(r, c, value)
    workbook.close()
