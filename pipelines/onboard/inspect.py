"""What an export holds, read with the loader's own reading code (encoding, delimiter, header
row, sheets): per column its fill rate, distinct values and what its content looks like."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipelines.lib.canonical import ENTITIES
from pipelines.lib.errors import UserFacingError
from pipelines.lib.loading import ROW, read_export
from pipelines.lib.mapping import Mapping

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
# Date formats trusts' systems write, most likely first (UK day-first before US month-first).
DATE_FORMATS = (
    "%d/%m/%Y", "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%d-%m-%Y %H:%M",
    "%d.%m.%Y %H:%M", "%d-%m-%Y", "%d.%m.%Y", "%d-%b-%Y", "%d %b %Y", "%d/%m/%y",
    "%m/%d/%Y",
)
# A column is read as dates, numbers ... when at least this share of its values are.
CONTENT_SHARE = 0.95
FREE_TEXT_MEAN_LENGTH = 40
CODE_LIST_LIMIT = 60  # more distinct values than this is not a code list
NUMBERED_CODES = 12
ID_DISTINCT_SHARE = 0.98
_WARD_WORDS = re.compile(r"\b(ward|unit|clinic|department|dept|theatre|suite|bay|lounge|"
                         r"icu|itu|a&e|ed|outpatients?|centre|team)\b", re.IGNORECASE)
_YES_NO = {"y", "n", "yes", "no", "true", "false", "0", "1"}
LIST_SEPARATORS = (";", ",", "|")
_UNNAMED = re.compile(r"\(column \d+\)")  # the loader's name for a blank header cell


@dataclass(frozen=True)
class ColumnProfile:
    name: str
    filled: int
    rows: int
    distinct: int
    kind: str  # date | timestamp | number | yes_no | id | code | ward | free_text | text
    date_format: str | None
    values: tuple[str, ...]  # distinct values, most frequent first (code-like columns only)
    counts: tuple[int, ...]
    mean_length: float = 0.0  # of the values present, in characters
    # Of the values present, the share holding each list separator (";", ",", "|").
    separators: tuple[tuple[str, float], ...] = ()

    @property
    def fill_rate(self) -> float:
        return self.filled / self.rows if self.rows else 0.0


@dataclass(frozen=True)
class FileProfile:
    path: Path
    sheet: str | None
    encoding: str
    delimiter: str | None
    rows: int
    columns: tuple[ColumnProfile, ...]
    header_row: int | None = None  # None: the first row

    def column(self, name: str) -> ColumnProfile:
        return next(c for c in self.columns if c.name == name)


def sheets(path: Path) -> list[str | None]:
    if path.suffix.lower() not in WORKBOOK_SUFFIXES:
        return [None]
    import fastexcel

    return list(fastexcel.read_excel(str(path)).sheet_names)


HEADER_SEARCH_ROWS = 10  # title rows a report may put above its header


def _probe(path: Path, sheet: str | None, header_row: int | None = None) -> Mapping:
    """A mapping that reads every column as text: the loader's reading without a layout."""
    return Mapping(path=Path("(triangulate onboard)"), entity=ENTITIES["incidents"],
                   files=(path.name,), columns={}, sheet=sheet, header_row=header_row)


def _names_most_columns(read) -> bool:
    """Whether the row read as the header names at least half its columns: a report title
    in a CSV leaves most rows with the wrong number of fields, one in a workbook leaves
    the title row's other cells blank (named "(column n)")."""
    names = [c for c in read.frame.columns if c != ROW]
    return 2 * sum(1 for c in names if not _UNNAMED.fullmatch(c)) >= len(names)


def _read_with_header(path: Path, sheet: str | None):
    """The file read from its header row: the first row unless most rows then have the
    wrong number of fields or most header cells are blank (a report title above the
    header), when the first of the next rows that reads cleanly is taken."""
    read = read_export(path, _probe(path, sheet))
    if read.malformed.height <= read.rows_read // 2 and _names_most_columns(read):
        return read, None
    for header_row in range(2, HEADER_SEARCH_ROWS + 1):
        try:
            candidate = read_export(path, _probe(path, sheet, header_row))
        except UserFacingError:
            continue
        if candidate.malformed.height <= candidate.rows_read // 10 and \
                len(candidate.frame.columns) > 2 and _names_most_columns(candidate):
            # Blank rows below the title are skipped: the header is the row above the data.
            first_data_row = candidate.frame[ROW].min()
            return candidate, max(header_row, first_data_row - 1) if first_data_row else \
                header_row
    return read, None


def inspect_file(path: Path) -> list[FileProfile]:
    """One profile per sheet (a CSV has one); the loader's errors (empty, binary, a broken
    quote ...) propagate, naming the file."""
    profiles = []
    for sheet in sheets(path):
        read, header_row = _read_with_header(path, sheet)
        frame = read.frame.drop(ROW)
        profiles.append(FileProfile(
            path, sheet, read.encoding, read.delimiter, frame.height,
            tuple(profile_column(frame[name]) for name in frame.columns), header_row))
    return profiles


def profile_column(series: pl.Series) -> ColumnProfile:
    text = series.str.strip_chars()
    present = text.filter(text.is_not_null() & (text != ""))
    counts = present.value_counts(sort=True)
    values = tuple(counts[series.name].to_list())
    tallies = tuple(counts["count"].to_list())
    kind, date_format = _kind(present, len(values))
    # A number column with few values may be a code list (the FFT rating's 1-6).
    coded = kind in ("code", "ward", "yes_no") or (kind == "number"
                                                   and len(values) <= NUMBERED_CODES)
    return ColumnProfile(series.name, present.len(), series.len(), len(values), kind,
                         date_format, values if coded else (), tallies if coded else (),
                         present.str.len_chars().mean() or 0.0,
                         tuple((sep, present.str.contains(sep, literal=True).mean() or 0.0)
                               for sep in LIST_SEPARATORS))


def date_format_of(values: pl.Series) -> str | None:
    """The first format that reads nearly every value as a plausible date (1900..2100)."""
    sample = values.head(500)
    for fmt in DATE_FORMATS:
        parsed = sample.str.strptime(pl.Datetime("us"), fmt, strict=False)
        ok = parsed.is_not_null() & parsed.dt.year().is_between(1900, 2100)
        if sample.len() and ok.sum() >= CONTENT_SHARE * sample.len():
            return fmt
    return None


_DATE_LIKE = re.compile(r"^\s*(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}"
                        r"|\d{1,2}[ -][A-Za-z]{3,9}[ -]\d{2,4})([ T]\d{1,2}[:.]\d{2}.*)?\s*$")


def _date_like(present: pl.Series) -> bool:
    """Whether most values are written as a date, with or without a time."""
    sample = present.head(500)
    return sample.str.contains(_DATE_LIKE.pattern).sum() >= CONTENT_SHARE * sample.len()


def _kind(present: pl.Series, distinct: int) -> tuple[str, str | None]:
    if present.len() == 0:
        return "text", None
    date_format = date_format_of(present)
    if date_format:
        return ("timestamp" if "%H" in date_format else "date"), date_format
    lowered = set(present.str.to_lowercase().unique().to_list())
    if lowered <= _YES_NO:
        return "yes_no", None
    # Amounts of money ("£18,500.00") are numbers, never ids however distinct.
    numeric = present.str.replace_all(r"^\s*-?[£$€]|,", "").cast(pl.Float64, strict=False)
    if present.str.contains(r"^\s*-?[£$€]").mean() >= CONTENT_SHARE and \
            numeric.is_not_null().sum() >= CONTENT_SHARE * present.len():
        return "number", None
    mean_length = present.str.len_chars().mean() or 0
    # Nearly every value distinct: an id (an export may repeat a revised record's); never
    # values that read as dates or times in a format not listed above ("2025-03-07 14:05"
    # was taken for an incident's id, leaving it and its date undrafted).
    if distinct >= ID_DISTINCT_SHARE * present.len() and present.len() > 1 and \
            mean_length < 25 and not _date_like(present):
        return "id", None
    if numeric.is_not_null().sum() >= CONTENT_SHARE * present.len():
        return "number", None
    if mean_length >= FREE_TEXT_MEAN_LENGTH:
        return "free_text", None
    if distinct <= max(CODE_LIST_LIMIT, present.len() // 20):
        wardish = present.unique().map_elements(lambda v: bool(_WARD_WORDS.search(v)),
                                                return_dtype=pl.Boolean).mean() or 0
        return ("ward" if wardish >= 0.3 else "code"), None
    return "text", None
