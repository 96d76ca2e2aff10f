"""Read one export file through its mapping into canonical, typed columns.

Three kinds of failure, treated differently:
- batch-level (`BatchError`: an unreadable, empty or binary file, an unterminated quote, a
  file cut short mid-row, a mapped column missing from or repeated in the header row, a date
  column written month first): the whole run stops naming the file, the mapping, the row
  where known and what to do; the published marts stay as they were;
- row shape (more or fewer fields than the header, or a quote that breaks the row): the row is
  rejected with its row number and "expected N fields, found M";
- row values (a value that cannot be coerced, a date outside its plausible range): the row is
  kept aside with its reason; the rest of the file loads.
Blank rows (a trailing empty line, a row of empty cells) hold nothing: they are skipped, not
read. Messages name columns, rows and formats, never a cell's value.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import hashlib
import io
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import NamedTuple

import polars as pl

from pipelines.lib import quiet_duckdb
from pipelines.lib.canonical import (
    BOOLEAN,
    DATE,
    ENUM,
    INTEGER,
    LIST,
    NUMBER,
    STRING,
    TIMESTAMP,
    Field,
)
from pipelines.lib.cell_shape import cell_shape
from pipelines.lib.dates import plausible_range, reference_day
from pipelines.lib.errors import UserFacingError, safe_summary
from pipelines.lib.mapping import Mapping, header_key, normalise
from pipelines.lib.sql import sql_string
from pipelines.lib.workbook_cells import UNSAVED_FORMULA, SheetCells, sheet_cells

ROW = "_source_row"
# Excel cells typed as dates arrive as ISO text whatever the mapping's display format says.
_ISO_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")
_CANDIDATE_DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
# A cell longer than this is a quote left open swallowing the rows after it, not a value.
_FIELD_LIMIT = 1_000_000
_MALFORMED = {ROW: pl.UInt32, "reason": pl.String, "record": pl.String}
_SAVE_AS = "save it from Excel as \"CSV UTF-8 (Comma delimited)\""
# What surrounds a value without being part of it: white space, and characters that show
# as nothing (zero-width spaces and joiners, a byte-order mark inside a cell).
_SPACE = " \t\r\n\v\f\u00a0\u2007\u202f\u3000\u2028\u2029\u200b\u200c\u200d\u2060\ufeff"
# Prefix of the columns coerce parses each field into (no export header starts with NUL).
_PARSED = "\0parsed:"


class BatchError(UserFacingError):
    """A file that cannot be loaded at all."""

    def __init__(self, path: Path, mapping: Mapping, problem: str, row: int | None = None):
        where = f"{path} (mapping {mapping.path})" + (f", row {row}" if row else "")
        super().__init__(f"{where}: {problem}")
        self.path = path
        self.mapping = mapping


@dataclass(frozen=True)
class ReadFile:
    """An export as read: one text column per header (`_source_row` = its spreadsheet row),
    the rows whose shape is wrong, and how the file was decoded."""

    frame: pl.DataFrame
    malformed: pl.DataFrame  # _source_row, reason, record (the row as read, JSON)
    encoding: str
    sha256: str
    delimiter: str | None = None  # None for a workbook
    # A workbook whose sheets are read as one (`sheet: "*"` or a list): each sheet's name
    # and the number added to its rows' numbers to keep them distinct (`sheet_row`).
    sheets: tuple[tuple[str, int], ...] = ()

    @property
    def rows_read(self) -> int:
        return self.frame.height + self.malformed.height

    def records(self, rows: list[int]) -> dict[int, str]:
        """The given rows as exported (JSON of header -> cell), so a rejected row loses nothing."""
        wanted = self.frame.filter(pl.col(ROW).is_in(rows))
        records = {r.pop(ROW): json.dumps(r, ensure_ascii=False)
                   for r in wanted.iter_rows(named=True)}
        records.update(self.malformed.filter(pl.col(ROW).is_in(rows))
                       .select(ROW, "record").iter_rows())
        return records


def read_export(path: Path, mapping: Mapping) -> ReadFile:
    try:
        content = path.read_bytes()
    except OSError as error:
        raise BatchError(path, mapping, f"cannot be read ({error.strerror})") from error
    digest = hashlib.sha256(content).hexdigest()
    if not content.strip():
        raise BatchError(path, mapping, "is empty: export it again")
    workbook = path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
    kind = _sniff(content)
    if workbook and kind == "text" and re.match(rb"\s*<(!doctype html|html|table)\b",
                                                content[:512].lower()):
        raise BatchError(path, mapping, "is a web page (HTML), not a workbook: a reporting "
                                        "tool's \"Excel\" export; open it in Excel and "
                                        f"{_SAVE_AS}, or as .xlsx")
    if workbook and kind == "text":
        raise BatchError(path, mapping, "is not a workbook (it holds text: a CSV saved with "
                                        f"a {path.suffix} name?); rename it to .csv")
    if path.suffix.lower() in (".xlsx", ".xlsm") and content.startswith(b"\xd0\xcf\x11\xe0"):
        # Excel keeps a password-protected .xlsx in an encrypted container of the old kind.
        raise BatchError(path, mapping, "is password-protected (encrypted): save a copy "
                                        "without a password to open it")
    if kind == "archive":
        raise BatchError(path, mapping, "is a compressed archive (zip or gzip), not an "
                                        "export: extract the export from it into the folder "
                                        "and remove the archive")
    if not workbook and kind == "workbook":
        raise BatchError(path, mapping, "is an Excel workbook, not a CSV file: rename it to "
                                        f".xlsx (and list that name in the mapping), or {_SAVE_AS}")
    if workbook and stacked_sheets(mapping):
        read = _stacked(path, mapping, digest)
    elif workbook:
        read = _tabulate(path, mapping, _workbook_rows(path, mapping), "xlsx", digest, None,
                         sheet_cells(path, mapping.sheet))
    else:
        text, encoding = decode_export(path, mapping, content)
        text, declared = _excel_separator_line(text)
        delimiter = declared or _delimiter(path, mapping, text)
        # DuckDB reads the file itself, so only when the text is the file's (UTF-8, no sep=,
        # no end-of-file marker) and no row needs rejecting for a zero byte.
        cells = _simple_csv_cells(path, text, delimiter) if encoding == "utf-8" \
            and not declared and b"\x00" not in content \
            and not content.endswith(_DOS_EOF.encode()) else None
        read = _tabulate(path, mapping, _csv_rows(path, mapping, text, delimiter), encoding,
                         digest, delimiter) if cells is None \
            else _tabulate_cells(path, mapping, cells, encoding, digest, delimiter)
    if read.rows_read == 0:
        raise BatchError(path, mapping, "has a header but no data rows: export it again")
    return read


def _sniff(content: bytes) -> str:
    if content.startswith(b"PK\x03\x04"):
        # A workbook (xlsx, ods) is a zip holding its parts' list; any other zip is an archive.
        return "workbook" if (b"[Content_Types].xml" in content
                              or content[30:38] == b"mimetype") else "archive"
    if content.startswith(b"\x1f\x8b"):
        return "archive"
    return "workbook" if content.startswith(b"\xd0\xcf\x11\xe0") else "text"


def decode_export(path: Path, mapping: Mapping, content: bytes) -> tuple[str, str]:
    """Text of a CSV, without a DOS end-of-file marker ending it: UTF-16 (Excel's "Unicode
    text") by its byte-order mark or its zero bytes, else UTF-8 (line by line where a few
    lines are Windows-1252), else Windows-1252 (older Excel "CSV" and most legacy systems)."""
    text, encoding = _decode(path, mapping, content)
    return text.rstrip(_DOS_EOF), encoding


# Ctrl-Z: some old Windows exporters end a file with it, after its last line or on the last
# line itself. It is not a row (read as one, it stopped the batch as a file cut short).
_DOS_EOF = "\x1a"


def _decode(path: Path, mapping: Mapping, content: bytes) -> tuple[str, str]:
    utf16 = None
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        utf16 = "utf-16"
    elif content[:4096].count(0) > len(content[:4096]) // 4:
        # ASCII text in UTF-16 without a mark: every other byte is zero.
        utf16 = "utf-16-le" if content[1:4096:2].count(0) > content[0:4096:2].count(0) \
            else "utf-16-be"
    if utf16:
        try:
            return content.decode(utf16), "utf-16"
        except UnicodeDecodeError:
            raise BatchError(path, mapping, f"looks like UTF-16 but is damaged: {_SAVE_AS} "
                                            "and replace the file") from None
    if b"\x00" in content and not _stray_zero_bytes(content):
        line = content.count(b"\n", 0, content.index(b"\x00")) + 1
        raise BatchError(path, mapping, "holds binary data (zero bytes), so it is not a CSV "
                                        f"export: {_SAVE_AS}", row=line)
    if mapping.encoding in ("auto", "utf-8"):
        try:
            return content.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError as error:
            if mapping.encoding == "utf-8":
                line = content[:error.start].count(b"\n") + 1
                raise BatchError(path, mapping, f"is not valid UTF-8 (first bad byte on line "
                                                f"{line}): {_SAVE_AS}, or set `encoding: "
                                                "windows-1252` (or auto) in the mapping") from None
            if _MULTIBYTE_UTF8.search(content):
                return _decode_mixed(content), _MIXED_ENCODING
    # Windows-1252 decodes almost any byte; five bytes it leaves undefined are kept as-is.
    return content.decode("windows-1252", errors="replace"), "windows-1252"


_CONTROL_BYTES = re.compile(rb"[\x01-\x08\x0b\x0c\x0e-\x1f]")


def _stray_zero_bytes(content: bytes) -> bool:
    """Whether a text file's zero bytes are a few strays (a copy cut short and resumed, a
    field a system padded) in rows of their own, not binary data: the rows holding them are
    rejected and the rest loads. Binary files hold other control bytes too."""
    lines = content.split(b"\n")
    zeroed = sum(b"\x00" in line for line in lines)
    return (b"\x00" not in lines[0] and zeroed <= max(1, len(lines) // 100)
            and not _CONTROL_BYTES.search(content))


# UTF-8's encoding of a character past ASCII ("£" is C2 A3): a file holding these and bytes
# UTF-8 cannot read is UTF-8 with a few lines pasted in from Windows-1252 ("café" as E9).
_MULTIBYTE_UTF8 = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}")
_MIXED_ENCODING = "utf-8, some lines windows-1252"


def _decode_mixed(content: bytes) -> str:
    """Each line as UTF-8, or as Windows-1252 where UTF-8 cannot read it: decoding the whole
    file as Windows-1252 turned every "£" of its UTF-8 lines into "Â£"."""
    def line(raw: bytes) -> str:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.decode("windows-1252", errors="replace")

    return "".join(line(raw) for raw in content.removeprefix(codecs.BOM_UTF8)
                   .splitlines(keepends=True))


def _excel_separator_line(text: str) -> tuple[str, str | None]:
    """Excel may write a first line `sep=;` naming the delimiter; it is not a row (Excel
    does not show it), so the text after it is the file."""
    first, newline, rest = text.partition("\n")
    if first.rstrip("\r").startswith("sep=") and len(first.rstrip("\r")) == 5:
        return rest, first[4]
    return text, None


def _header_line(text: str, header_row: int | None) -> str:
    lines = _lines(text)
    if header_row:
        return next(itertools.islice(lines, header_row - 1, None), "")
    return next((line for line in lines if line.strip()), "")


def _lines(text: str, chunk: int = 1 << 16) -> Iterator[str]:
    """`text.splitlines()`, split only as far as it is read: splitting a large trust's whole
    FFT export to find its header line cost 0.3 s a night. A chunk's last line may be cut
    short, so it is read again at the start of the next chunk."""
    start = 0
    while start < len(text):
        end = start + chunk
        ended = text[start:end].splitlines(keepends=True)
        if end < len(text):
            ended = ended[:-1]
        if not ended:  # one line longer than the chunk
            chunk *= 2
            continue
        for line in ended:
            yield (line.splitlines() or [""])[0]  # "\n" alone is one empty line
        start += sum(map(len, ended))


def _split(line: str, delimiter: str) -> list[str]:
    return next(csv.reader([line], delimiter=delimiter), [])


def _delimiter(path: Path, mapping: Mapping, text: str) -> str:
    """The mapping's delimiter, or the one whose header row holds the most mapped columns
    (comma on a tie): Excel writes semicolons in locales with a decimal comma."""
    header = _header_line(text, mapping.header_row)
    wanted = {header_key(column) for _, column in mapping.read_columns()}
    if not wanted and mapping.delimiter is None:  # inspecting an unmapped export
        return max(_CANDIDATE_DELIMITERS, key=lambda d: len(_split(header, d)))
    found = {d: len(wanted & {header_key(h) for h in _split(header, d)})
             for d in _CANDIDATE_DELIMITERS}
    best = max(_CANDIDATE_DELIMITERS, key=lambda d: found[d])
    if mapping.delimiter is None:
        return best if found[best] else ","
    if not found[mapping.delimiter] and found[best]:
        raise BatchError(path, mapping, f"the header row is {_DELIMITER_NAMES[best]}-separated "
                                        "but the mapping says delimiter "
                                        f"{_DELIMITER_NAMES[mapping.delimiter]}: set "
                                        "`delimiter: auto` in the mapping", row=1)
    return mapping.delimiter


# One row as read: spreadsheet row number, its cells (None when the row could not be split),
# a problem with its shape, and its raw text when the cells are unknown.
_Row = tuple[int, list[str] | None, str | None, str | None]


def _csv_rows(path: Path, mapping: Mapping, text: str, delimiter: str) -> Iterator[_Row]:
    """Rows of a CSV, numbered as a spreadsheet shows them (a quoted line break stays inside
    its row). A stray quote breaks only its row; a quote left open to the end of the file
    would swallow every row after it, so it stops the batch, as does a last row cut off
    before its line ends."""
    consumed: list[str] = []

    def lines() -> Iterator[str]:
        for line in io.StringIO(text, newline=""):
            consumed.append(line)
            yield line

    csv.field_size_limit(_FIELD_LIMIT)
    reader = csv.reader(lines(), delimiter=delimiter, strict=True)
    row, width = 0, None
    while True:
        consumed.clear()
        row += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            message = str(error)
            if "unexpected end of data" in message and _unterminated(consumed):
                raise _cut_short(path, mapping, row, "inside a quoted cell; if the file is "
                                                     "whole, the row's double quote is never "
                                                     "closed") from None
            if "unexpected end of data" in message or "field larger" in message:
                raise BatchError(path, mapping, "a quoted cell starts here and is never closed "
                                                "(an unmatched double quote), so the rows after "
                                                "it cannot be read: fix the quote in the export "
                                                "or export it again", row=row) from None
            if _joins_records(consumed, delimiter, width, None):
                yield from _lines_joined(row, consumed)
                row += len(consumed) - 1
                continue
            yield row, None, ("a double quote in the row is not where CSV allows one (text "
                              "after a closing quote): the row cannot be split into fields"), \
                "".join(consumed)
            continue
        if width is None and row >= (mapping.header_row or 1) and any(c.strip() for c in cells):
            width = len(cells)  # the header's
        elif width is not None and _unterminated(consumed) and len(cells) < width \
                and any(c.strip() for c in cells):
            raise _cut_short(path, mapping, row, f"the row has {len(cells)} of the header's "
                                                 f"{width} fields")
        elif _joins_records(consumed, delimiter, width, cells):
            yield from _lines_joined(row, consumed)
            row += len(consumed) - 1
            continue
        spanned = len(consumed)
        yield row, cells, (f"spans {spanned} lines" if spanned > 1 else None), None


def _unterminated(lines: list[str]) -> bool:
    """Whether the last of a row's lines has no line break: it ends the file."""
    return not lines[-1].endswith(("\n", "\r"))


def _cut_short(path: Path, mapping: Mapping, row: int, how: str) -> BatchError:
    """A file whose last row stops before its line does: an export still being written or a
    copy that failed, the rows after it missing. (A whole last row without a line break
    after it is how many tools end a file.)"""
    return BatchError(path, mapping, f"ends mid-row ({how}): the file looks cut short; "
                                     "export it again", row=row)


# A quoted cell spanning lines is a comment's line breaks, unless its lines are records a
# stray quote joined, which would otherwise load as one (or be rejected as one), the rest lost
# without a word. A row the wrong shape is not judged by its lines' separators in files this
# narrow: a comment line can hold their few.
_JUDGED_WIDTH = 5


def _joins_records(lines: list[str], delimiter: str, width: int | None,
                   cells: list[str] | None) -> bool:
    """Whether `lines`, read as one row (`cells`; None when they could not be split), are
    records a stray quote joined. A row the quote left the wrong shape is judged by its lines:
    one holding a whole record's separators is a record. A row of the header's shape is valid
    CSV, judged by `_holds_records`: prose spanning lines holds commas too; unless the row
    quotes every field, as some systems write every row: a stray quote joining that writer's
    records would have its cell ended by their own quotes, breaking the row."""
    if len(lines) < 2 or width is None:
        return False
    if cells is None or len(cells) != width:
        return width >= _JUDGED_WIDTH \
            and any(line.count(delimiter) >= width - 1 for line in lines[1:])
    return not _quoted_throughout(lines, cells, delimiter) and _holds_records(cells, delimiter)


def _quoted_throughout(lines: list[str], cells: list[str], delimiter: str) -> bool:
    """Whether the row's text (`lines`) is its `cells` each in double quotes, as RFC 4180
    writes them, quotes inside a cell doubled."""
    written = "".join(lines).removesuffix("\n").removesuffix("\r")
    return written == delimiter.join('"' + cell.replace('"', '""') + '"' for cell in cells)


def _holds_records(cells: list[str], delimiter: str) -> bool:
    """Whether a line after the first of one of the row's cells reads as another record: it
    splits into the row's number of fields, most of them laid out as the row's own ("INC2"
    as "INC1", "04/02/2025" as "03/02/2025"), or its first two, when those hold digits (an id
    and a date, the rest free text, as in a comments file). A report's paragraph can hold a
    record's commas, but its words are not laid out as ids, dates and codes."""
    width = len(cells)
    record_wide = [line for cell in cells for line in cell.splitlines()[1:]
                   if line.count(delimiter) >= width - 1]
    if not record_wide:
        return False
    layouts = [_layout(cell) for cell in cells]
    for line in record_wide:
        fields = _split(line, delimiter)
        if len(fields) != width:
            continue
        same = [_layout(field) == layout for field, layout in zip(fields, layouts, strict=True)]
        if 2 * sum(same) > width or all(same[:2]) and all("#" in k for k in layouts[:2]):
            return True
    return False


_REPEATS = re.compile(r"(.)\1+")


def _layout(cell: str) -> str:
    """A cell's characters by kind (A upper case, a lower case, # digit, the rest as they
    are), each run of one kind as one: "INC12" and "INC3" read A#, "03/02/2025" #/#/#."""
    kinds = "".join("#" if c.isdigit() else "A" if c.isupper() else "a" if c.islower() else c
                    for c in cell.strip())
    return _REPEATS.sub(r"\1", kinds)


def _lines_joined(row: int, lines: list[str]) -> Iterator[_Row]:
    """Each line a quote joined, rejected as a row of its own (so none is lost uncounted)."""
    last = row + len(lines) - 1
    reason = (f"rows {row}-{last} were read as one: a double quote opens a cell in row {row} "
              f"and is closed only in row {last}, and the rows between hold records of their "
              "own (an unmatched double quote?): fix the quote in the export")
    for offset, line in enumerate(lines):
        yield row + offset, None, reason, line


def _simple_csv_cells(path: Path, text: str, delimiter: str) -> pl.DataFrame | None:
    """Every row of a simple CSV as text cells, read by DuckDB's CSV reader (several times
    faster than row by row, in a fraction of the memory); None when the file is not simple.
    Simple: every row has as many fields as the first line, its quotes where CSV allows
    them, and no line outside a quoted cell is blank (the row-by-row reader counts a blank
    line as a row, as a spreadsheet shows it; DuckDB skips it, so the rows after it would be
    numbered differently). Anything else (a short or long row, a stray quote, a quote left open)
    goes to the row-by-row reader, which says what is wrong and where."""
    import duckdb

    if _has_blank_line(text):
        return None
    first = text.partition("\n")[0].removesuffix("\r")
    try:
        width = len(_split(first, delimiter))
    except csv.Error:  # a line break inside the first line's quotes, or a lone CR
        return None
    # DuckDB's strict mode refuses a row with too few fields, or too many, but silently drops
    # empty fields at a row's end ("INC1,Fell, hit head," loads shifted, its last field lost).
    # When a line may end with an empty field, one column more is read, padded with null where
    # a row has no field there (an empty field reads '', the null string being a control
    # character): a row holding it, or lacking the last, is not simple. The padding reads on one
    # thread (DuckDB cannot pad in parallel across quoted line breaks), so only then.
    padded = re.search(re.escape(delimiter) + _TRAILING_EMPTY, text) is not None
    columns = "{" + ", ".join(f"'c{i}': 'varchar'" for i in range(width + padded)) + "}"
    padding = "true, parallel = false, nullstr = '\x01'" if padded else "false"
    # The path and delimiter are written into the SQL as literals: given as parameters, they
    # made DuckDB read the file 3.5 times slower (3.1 s against 0.9 s for a large trust's FFT).
    try:
        with _csv_reader().cursor() as con:
            cells = con.sql(
                f"select * from read_csv({sql_string(path)}, delim = {sql_string(delimiter)}, "
                "quote = '\"', escape = '\"', header = false, auto_detect = false, "
                f"strict_mode = true, null_padding = {padding}, columns = {columns})").pl()
    except duckdb.Error:
        return None
    if padded:
        extra, last = cells.columns[-1], cells.columns[-2]
        if cells[extra].null_count() < cells.height or cells[last].null_count():
            return None
        cells = cells.drop(extra)
    # An empty cell is read as null; the row-by-row reader gives ''.
    cells = cells.fill_null("")
    # More line breaks than rows: some cell spans lines.
    if text.count("\n") > cells.height and _cell_holds_records(cells, delimiter, width):
        return None
    return cells


def _cell_holds_records(cells: pl.DataFrame, delimiter: str, width: int) -> bool:
    """Whether a row's cell spanning lines holds records a stray quote joined (see
    `_joins_records`): the row-by-row reader then rejects each joined line."""
    # Only a line after a cell's first holding a whole record's separators can be a record:
    # the few rows with one are judged whole.
    spanning = cells.filter(pl.any_horizontal(pl.col(cells.columns).str.contains("\n",
                                                                               literal=True)))
    record_wide = spanning.filter(pl.any_horizontal(
        pl.col(cells.columns).str.split("\n").list.slice(1).list.eval(
            pl.element().str.count_matches(delimiter, literal=True) >= width - 1).list.any()))
    return any(_holds_records(list(row), delimiter) for row in record_wide.iter_rows())


_BLANK_LINE = re.compile(r"\n\r?\n")
# After a delimiter, an empty field (unquoted or quoted) ending a line.
_TRAILING_EMPTY = r'(?:"")?(?:\r|\n|\Z)'


@cache
def _csv_reader():
    """An in-memory DuckDB whose cursors read the CSV files: opening a database per file
    cost 16 ms, a cursor 0.4 ms (60 files in a large trust's FFT)."""
    return quiet_duckdb.connect()


def _has_blank_line(text: str) -> bool:
    """Whether a line outside quotes is empty. An empty line inside a quoted cell (a comment's
    paragraph break) is part of the cell: before it the file holds an odd number of quote
    characters, as a doubled quote inside a cell adds two."""
    if text.startswith(("\n", "\r\n")):
        return True
    quotes, counted_to = 0, 0
    # A pattern starting with a literal line break: re then scans for it at C speed (an
    # alternation with \A made the scan 30 times slower, 0.7 s on a large trust's incidents).
    for blank in _BLANK_LINE.finditer(text):
        quotes += text.count('"', counted_to, blank.start())
        counted_to = blank.start()
        if quotes % 2 == 0:
            return True
    return False


ALL_SHEETS = "*"


def stacked_sheets(mapping: Mapping) -> bool:
    """Whether the mapping reads several sheets of a workbook as one table: every sheet
    (`sheet: "*"`, a month a sheet) or those listed."""
    return mapping.sheet == ALL_SHEETS or isinstance(mapping.sheet, tuple | list)


def sheet_row(sheets, row: int) -> tuple[str | None, int]:
    """A stacked workbook's row number as its sheet and the row that sheet shows."""
    found = (None, row)
    for name, offset in sheets:
        if row > offset:
            found = (name, row - offset)
    return found


def _stacked(path: Path, mapping: Mapping, digest: str) -> ReadFile:
    """The sheets of a workbook that share one layout, read in turn and stacked, each row
    numbered after the previous sheets' rows (`sheet_row` gives the row its sheet shows);
    a sheet whose header differs from the first's fails the batch, naming both."""
    import fastexcel

    if mapping.sheet == ALL_SHEETS:
        try:
            names = list(fastexcel.read_excel(str(path)).sheet_names)
        except Exception as error:  # fastexcel raises its own hierarchy
            raise BatchError(path, mapping, f"is not a readable workbook "
                                            f"({safe_summary(str(error))}): {_SAVE_AS} or as "
                                            "a new .xlsx") from None
    else:
        names = list(mapping.sheet)
    frames, malformed, sheets, offset, header = [], [], [], 0, None
    for name in names:
        one = replace(mapping, sheet=name)
        read = _tabulate(path, one, _workbook_rows(path, one), "xlsx", digest, None,
                         sheet_cells(path, name))
        columns = [c for c in read.frame.columns if c != ROW]
        if header is None:
            header = (name, columns)
        elif sorted(columns) != sorted(header[1]):
            raise BatchError(path, mapping, f"sheet {name!r} has other headers than sheet "
                                            f"{header[0]!r} (a mapping reading several sheets "
                                            "reads sheets of one layout): list the sheets to "
                                            "read under `sheet:`")
        sheets.append((name, offset))
        frames.append(read.frame.select(ROW, *header[1]).with_columns(pl.col(ROW) + offset))
        malformed.append(read.malformed.with_columns(pl.col(ROW) + offset))
        last = max(read.frame[ROW].max() or 1, read.malformed[ROW].max() or 1)
        offset += last
    return ReadFile(pl.concat(frames, how="vertical_relaxed"),
                    pl.concat(malformed, how="vertical_relaxed"), "xlsx", digest, None,
                    tuple(sheets))


def _workbook_rows(path: Path, mapping: Mapping) -> Iterator[_Row]:
    import fastexcel

    try:
        reader = fastexcel.read_excel(str(path))
        if mapping.sheet and mapping.sheet not in reader.sheet_names:
            raise BatchError(path, mapping, f"has no sheet {mapping.sheet!r} (its sheets: "
                                            f"{', '.join(reader.sheet_names)}): fix `sheet` in "
                                            "the mapping")
        frame = reader.load_sheet(mapping.sheet or 0, header_row=None, dtypes="string") \
            .to_polars()
    except BatchError:
        raise
    except Exception as error:  # fastexcel raises its own hierarchy
        raise BatchError(path, mapping, f"is not a readable workbook ({safe_summary(str(error))}"
                                        f"): {_SAVE_AS} or as a new .xlsx") from None
    # The sheet's first row is its header (row 1).
    for row, cells in enumerate(frame.iter_rows(), start=1):
        yield row, ["" if cell is None else cell for cell in cells], None, None


def _tabulate(path: Path, mapping: Mapping, rows: Iterator[_Row], encoding: str, digest: str,
              delimiter: str | None, sheet: SheetCells | None = None) -> ReadFile:
    """The header row, then every data row as text columns (a workbook's as its `sheet`
    shows them); rows with the wrong number of fields, or a broken cell (#REF!) in a column
    the mapping reads, are kept aside whole. Blank rows are skipped."""
    header, good, malformed = None, [], []
    sheet = sheet or SheetCells()
    for row, cells, problem, raw in rows:
        if cells is not None and not any(cell.strip() for cell in cells):
            continue
        if mapping.header_row and row < mapping.header_row:
            continue  # title rows above the header
        if header is None:
            if cells is None:
                raise BatchError(path, mapping, "the header row cannot be split into columns "
                                                "(a stray double quote)", row=row)
            header = _check_header(path, mapping, cells, row, delimiter)
            continue
        if cells is not None:
            cells = sheet.as_shown(row, cells)
        if cells is not None and len(cells) == len(header):
            broken = sheet.broken_in(row) | {i: ZERO_BYTE for i, cell in enumerate(cells)
                                             if "\0" in cell}
            errors = _read_errors(mapping, header, broken)
            if not errors:
                # A zero byte in a column the mapping does not read costs the row nothing.
                good.append((row, [cell.replace("\0", "") for cell in cells]))
                continue
            problem = "; ".join(_cell_problem(column, error) for column, error in errors)
            malformed.append((row, problem, json.dumps(dict(zip(header, cells, strict=True)),
                                                       ensure_ascii=False)))
            continue
        if cells is None:
            reason, record = problem, {"row as exported": raw}
        else:
            reason = f"expected {len(header)} fields, found {len(cells)}"
            if problem:  # a row gone long or short because a quote joined lines
                reason += f" (the row {problem}: an unmatched double quote?)"
            record = dict(zip(header, cells, strict=False))
            record.update({f"(extra field {i})": cell
                           for i, cell in enumerate(cells[len(header):], start=1)})
        malformed.append((row, reason, json.dumps(record, ensure_ascii=False)))
    if header is None:
        raise BatchError(path, mapping, "is empty: export it again")
    columns = list(zip(*(cells for _, cells in good), strict=True)) or [()] * len(header)
    frame = pl.DataFrame(
        {ROW: pl.Series([row for row, _ in good], dtype=pl.UInt32),
         **{name: pl.Series(name, values, dtype=pl.String)
            for name, values in zip(header, columns, strict=True)}})
    return ReadFile(frame, pl.DataFrame(malformed, orient="row", schema=_MALFORMED),
                    encoding, digest, delimiter)


# A cell holding a zero byte, as `_read_errors` names it.
ZERO_BYTE = "a zero byte"


def _cell_problem(column: str, error: str) -> str:
    if error == ZERO_BYTE:
        return (f"{column} holds {error} (binary data: a damaged export or a copy cut short): "
                "export the row again")
    if error == UNSAVED_FORMULA:
        return f"{column} holds {error}: correct it in the workbook"
    return (f"{column} holds the spreadsheet error {error} (a formula that no longer works): "
            "correct it in the workbook")


def _read_errors(mapping: Mapping, header: list[str],
                 errors: dict[int, str]) -> list[tuple[str, str]]:
    """(column, error) of a row's error cells in columns the mapping reads: an error in a
    column it leaves unread (a spreadsheet's own workings) costs the row nothing."""
    if not errors:
        return []
    read = {header_key(column) for _, column in mapping.read_columns()}
    return [(header[i], error) for i, error in sorted(errors.items())
            if i < len(header) and header_key(header[i]) in read]


def _tabulate_cells(path: Path, mapping: Mapping, cells: pl.DataFrame, encoding: str,
                    digest: str, delimiter: str) -> ReadFile:
    """What `_tabulate` makes of a simple CSV's rows (`_simple_csv_cells`: one line each, so
    row n is line n, and none malformed)."""
    values = cells.columns
    cells = cells.with_row_index(ROW, offset=1).filter(
        ~pl.all_horizontal(pl.col(c).str.strip_chars() == "" for c in values),
        pl.col(ROW) >= (mapping.header_row or 1))
    if cells.is_empty():
        raise BatchError(path, mapping, "is empty: export it again")
    row, *names = cells.row(0)
    header = _check_header(path, mapping, names, row, delimiter)
    frame = cells.slice(1).rename(dict(zip(values, header, strict=True)))
    return ReadFile(frame.with_columns(pl.col(ROW).cast(pl.UInt32)),
                    pl.DataFrame(schema=_MALFORMED), encoding, digest, delimiter)


def _check_header(path: Path, mapping: Mapping, cells: list[str], row: int,
                  delimiter: str | None) -> list[str]:
    """Every mapped column exactly once in the header row; returns unique column names (a
    repeated or blank header the mapping does not read gets a numbered name)."""
    positions: dict[str, list[int]] = {}
    for i, cell in enumerate(cells, start=1):
        positions.setdefault(header_key(cell), []).append(i)
    problems, missing = [], 0
    read_columns = list(dict.fromkeys(mapping.read_columns()))
    # A renamed column is a header the mapping does not read already.
    unread = [h for h in positions if h not in {header_key(c) for _, c in read_columns}]
    for field_name, column in read_columns:
        found = positions.get(header_key(column), [])
        if len(found) > 1:
            where = ", ".join(map(str, found[:-1])) + f" and {found[-1]}"
            problems.append(f"column {column!r} ({field_name}) appears {len(found)} times in "
                            f"the header row (columns {where}): rename or remove the copies "
                            "in the export")
        elif not found and field_name not in mapping.optional_columns:
            close = difflib.get_close_matches(header_key(column), unread, n=1, cutoff=0.8)
            hint = (f" (the file has {cells[positions[close[0]][0] - 1]!r})" if close else "")
            problems.append(f"column {column!r} ({field_name}) is not in the header row{hint}")
            missing += 1
    if problems:
        advice = ("fix the names under `columns:` in the mapping, or list the fields the "
                  "export may leave out under `optional_columns:`" if missing else "")
        if missing == len(read_columns):
            advice = ("none of the mapped columns is in the first row: is this the export "
                      "the mapping describes, with its header row first?")
            if delimiter is not None:
                advice += (f" It was read as {_DELIMITER_NAMES[delimiter]}-separated; "
                           "set `delimiter` in the mapping if that is wrong")
        # Most of them missing, from a row with few cells filled: a report's title above it.
        if 2 * missing > len(read_columns) and 2 * sum(bool(c.strip()) for c in cells) \
                < len(cells) and not mapping.header_row:
            advice += (f". Row {row} looks like a title, not a header: if the export has "
                       "title rows above its header, set `header_row:` in the mapping to the "
                       "header's row number")
        raise BatchError(path, mapping, "; ".join([*problems, *filter(None, [advice])]),
                         row=row)
    names, seen = [], set()
    for i, cell in enumerate(cells, start=1):
        name = cell.strip() or f"(column {i})"
        if name in seen or name == ROW:
            name = f"{name} (column {i})"
        seen.add(name)
        names.append(name)
    return names


@dataclass(frozen=True)
class CoercedFile:
    """Canonical columns (typed) plus `_source_row`, and the rows that failed coercion."""

    frame: pl.DataFrame
    errors: pl.DataFrame  # _source_row, column_name, reason


def _number(text: pl.Expr, ignored: str) -> pl.Expr:
    """A number as exported, the `ignored` characters (a pattern) left out: finite (not NaN
    or inf), and with commas only where they group thousands ("1,234.5"), so a decimal comma
    ("1234,56", from a semicolon-separated export) fails instead of reading 100 times larger."""
    grouped = ~text.str.contains(",") | text.str.contains(r"^\D*\d{1,3}(,\d{3})+(\.\d+)?\D*$")
    number = text.str.replace_all(ignored, "").cast(pl.Float64, strict=False)
    return pl.when(grouped & number.is_finite()).then(number)


def coerce(read: ReadFile, path: Path, mapping: Mapping) -> CoercedFile:
    """The file typed through its mapping. Two passes: every row is typed the quick way (a
    date in the mapping's own format only) and only the rows that fail it, usually none, are
    typed again the thorough way (the other date formats a column may carry, then each
    failure's reason). The reasons' cell shapes and hints took a third of a large trust's FFT
    typing, computed for every row and kept for a few."""
    headers = {header_key(h): h for h in read.frame.columns if h != ROW}
    today = reference_day()
    quick = _typed(read.frame, mapping, headers, today, thorough=False)[0]
    unsure = quick.get_column(_UNSURE)
    if not unsure.any():
        return CoercedFile(quick.drop(_UNSURE), _no_errors())
    retyped, date_orders = _typed(read.frame.filter(unsure), mapping, headers, today,
                                      thorough=True)
    typed = pl.concat([quick.filter(~unsure).drop(_UNSURE),
                       retyped.drop("_errors")]).sort(ROW)
    problems = (
        retyped.select(ROW, pl.col("_errors").struct.unnest())
        .unpivot(index=ROW, variable_name="column_name", value_name="reason")
        .drop_nulls("reason")
        .sort(ROW, "column_name")
    )
    problems = pl.concat([problems, _written_swapped(read, path, mapping, problems,
                                                     date_orders)]).sort(ROW, "column_name")
    return CoercedFile(typed, problems)


# The quick pass's column: true where a row failed one of its checks, so is typed again.
_UNSURE = "\0unsure"


def _typed(frame: pl.DataFrame, mapping: Mapping, headers: dict[str, str], today,
           thorough: bool) -> tuple[pl.DataFrame, list[_DateOrder]]:
    """`frame` typed: ROW and the canonical columns, then, `thorough`, `_errors` (a struct of
    each field's reason, null where it passed) or else _UNSURE; and, `thorough`, each date
    field's `_DateOrder` for `_written_swapped`."""
    # Each field is parsed once into a column of its own, and its checks read that column:
    # written inline, a date's five parses were evaluated again by every check of it.
    parsed, columns, errors, date_orders = [], [], [], []
    for field in mapping.entity.fields:
        texts = _field_text(field.name, mapping, headers)
        if not texts:
            columns.append(pl.lit(None, dtype=_dtype(field)).alias(field.name))
            continue
        typed = pl.col(_PARSED + field.name)
        value, problem = _convert(field, texts, mapping, typed, thorough)
        parsed.append(value.alias(_PARSED + field.name))
        reasons = []
        if problem is not None and not thorough:
            reasons.append(problem)
        elif problem is not None:
            # The reason is published: it gives the cell's shape, never its value.
            reason = pl.format("{} {} (the cell reads {})", pl.lit(field.name),
                               pl.lit(_expectation(field, mapping)), cell_shape(texts[0]))
            if field.kind in (DATE, TIMESTAMP):
                fmt = mapping.date_format if field.kind == DATE else mapping.timestamp_format
                formats = _date_formats(field, mapping)
                as_written, swapped = _reads_each_way(texts[0], formats)
                order = _order(formats)
                date_orders.append(_DateOrder(field.name, fmt, order, texts[0],
                                                  as_written & ~swapped))
                reason = pl.when(texts[0].str.contains(_EXCEL_SERIAL)).then(
                    pl.concat_str(reason, pl.lit(EXCEL_SERIAL_HINT))).when(swapped).then(
                    pl.concat_str(reason, pl.lit(_swapped_hint(order)))).when(
                    texts[0].str.strip_chars().str.contains(_shape_of(fmt))).then(
                    pl.concat_str(reason, pl.lit(NO_SUCH_DAY_HINT))).otherwise(reason)
            reasons.append(pl.when(problem).then(reason))
        if field.kind in (DATE, TIMESTAMP):
            typed, implausible = _plausible(field, typed, mapping, today)
            reasons.append(implausible if thorough else implausible.is_not_null())
        columns.append(typed.alias(field.name))
        if reasons:
            errors.append(pl.coalesce(reasons).alias(field.name) if thorough
                          else pl.any_horizontal(reasons).fill_null(False))
    # A thorough pass only follows a quick one that found a row failing a check: there are
    # checks.
    checked = pl.struct(errors).alias("_errors") if thorough else \
        (pl.any_horizontal(errors) if errors else pl.lit(False)).alias(_UNSURE)
    typed_frame = frame.with_columns(parsed).select(pl.col(ROW), *columns, checked)
    return typed_frame, date_orders


def _field_text(name: str, mapping: Mapping, headers: dict[str, str]) -> list[pl.Expr]:
    """The text a field is read from, blanks and `nulls` made null: one column, several
    (a list field gathered from Subject 1, Subject 2 ...), a constant, or derived from two
    columns. Empty when the field is not mapped or its column is absent (optional)."""

    def cell(column: str) -> pl.Expr | None:
        header = headers.get(header_key(column))
        return None if header is None else _blanked(pl.col(header), mapping)

    if name in mapping.constants:
        return [_blanked(pl.lit(mapping.constants[name], pl.String), mapping)]
    if name in mapping.column_lists:
        return [text for text in map(cell, mapping.column_lists[name]) if text is not None]
    if name in mapping.derived:
        rule = mapping.derived[name]
        listed, then = cell(rule.if_list), cell(rule.then) if rule.then else None
        if listed is None or (rule.then and then is None):
            return []
        found = _split_list(listed, mapping).list.eval(
            pl.element().str.to_lowercase()).list.contains(normalise(rule.contains))
        chosen = then if rule.then else pl.lit(rule.then_value, pl.String)
        return [pl.when(found).then(chosen).otherwise(pl.lit(rule.otherwise, pl.String))]
    text = cell(mapping.columns.get(name, "\0"))
    return [] if text is None else [text]


def _blanked(text: pl.Expr, mapping: Mapping) -> pl.Expr:
    """A cell's value: spaces and invisible characters (a zero-width space pasted in) around
    it are not part of it, nor is Excel's way of keeping leading zeros (="000123"); a `nulls`
    word is no value."""
    text = text.str.strip_chars(_SPACE)
    text = pl.when(text.str.starts_with('="') & text.str.ends_with('"')) \
        .then(text.str.strip_prefix('="').str.strip_suffix('"').str.strip_chars(_SPACE)) \
        .otherwise(text)
    return pl.when(text.str.to_lowercase().is_in(list(mapping.nulls))).then(None).otherwise(text)


def _split_list(text: pl.Expr, mapping: Mapping) -> pl.Expr:
    return text.str.split(mapping.list_separator).list.eval(
        pl.element().str.strip_chars().filter(pl.element() != ""))


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
        INTEGER: f"is not a whole number up to {_LARGEST_COUNT:,}",
        NUMBER: "is not a number",
        BOOLEAN: "is not a yes/no value (add it to true_values/false_values)",
    }[field.kind]


_LARGEST_COUNT = 2**31 - 1  # the raw tables' INTEGER

# A date written in the expected format that names no day ("31/02/2025", "2026-11-31").
NO_SUCH_DAY_HINT = ("; it has the format's shape, but no such day exists (a 31st in a "
                    "30-day month, 29 February outside a leap year?)")
_FORMAT_SHAPES = {"%Y": r"\d{4}", "%y": r"\d{2}", "%m": r"\d{1,2}", "%d": r"\d{1,2}",
                  "%H": r"\d{1,2}", "%I": r"\d{1,2}", "%M": r"\d{2}", "%S": r"\d{2}",
                  "%p": "[AaPp][Mm]", "%b": "[A-Za-z]{3}", "%B": "[A-Za-z]+"}


def _shape_of(fmt: str) -> str:
    """A regular expression matching text laid out as strftime format `fmt` (its digits'
    places), whatever the values."""
    parts = re.split(r"(%[A-Za-z])", fmt)
    return "^" + "".join(_FORMAT_SHAPES.get(part, ".+" if part.startswith("%") and
                                            len(part) == 2 else re.escape(part))
                         for part in parts) + "$"

# Who writes a date which first: a date that names no day in the mapping's order but does
# the other way ("05/13/2025" as dd/mm/yyyy, "25/10/2025" as mm/dd/yyyy) is a slip, or an
# export from a computer set to the other country's dates.
_LOCALE = {"day": "UK", "month": "US"}


def _swapped_hint(order: tuple[str, str]) -> str:
    """The hint for a date that reads only the other way round (`order`: the mapping's first
    of day and month, then the other)."""
    return (f"; read {order[1]} first it is a date: an export from a computer set to "
            f"{_LOCALE[order[1]]} dates?")


def _swapped_format(fmt: str) -> str | None:
    """`fmt` with its day and month swapped, when it has both and the year is not first:
    year first is ISO order, written no other way."""
    year = re.search("%[Yy]", fmt)
    if "%d" in fmt and "%m" in fmt and not (year and year.start() < fmt.index("%m")):
        return fmt.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")
    return None


def _order(formats: list[str]) -> tuple[str, str]:
    """("day", "month") when the first of `formats` that can be swapped puts the day first,
    else ("month", "day")."""
    fmt = next((fmt for fmt in formats if _swapped_format(fmt)), "%d%m")
    return ("day", "month") if fmt.index("%d") < fmt.index("%m") else ("month", "day")


def _reads_as(text: pl.Expr, fmt: str) -> pl.Expr:
    return text.str.strptime(pl.Datetime("us"), fmt.replace("%y", "%Y"),
                             strict=False).is_not_null()


def _reads_each_way(text: pl.Expr, formats: list[str]) -> tuple[pl.Expr, pl.Expr]:
    """Whether `text` reads as a date in one of `formats` with a day and a month, and whether
    it does with their day and month swapped. Every format a date is read in counts: a US date
    written with a time ("10/25/2025 00:00:00" in a date column) or without one (in a
    date-time column) is read by the other format, and judged by the field's own alone it
    would load swapped unnoticed."""
    pairs = [(fmt, swapped) for fmt in formats if (swapped := _swapped_format(fmt))]
    if not pairs:
        return pl.lit(False), pl.lit(False)
    return (pl.any_horizontal([_reads_as(text, fmt) for fmt, _ in pairs]),
            pl.any_horizontal([_reads_as(text, swapped) for _, swapped in pairs]))


# Month-first dates beside day-first ones are a second exporter's, not slips, when at least
# _SLIPS_OF_ONE_LAYOUT of them are written a way no day-first date is ("3/25/2025" among
# "25/03/2025"; 181 of 203 in a real FFT file): typos are not all alike. Told apart so, every
# date written that way is rejected, its early-month ones too. Otherwise, more than one and
# more than this share of the column's dates cannot be told apart from the day-first ones.
_SLIPS_SHARE = 0.05
_SLIPS_OF_ONE_LAYOUT = 3


class _DateOrder(NamedTuple):
    """A date field as `_written_swapped` judges it."""

    name: str
    fmt: str  # its own format
    order: tuple[str, str]  # the format's first of day and month, then the other
    text: pl.Expr
    only_as_written: pl.Expr  # whether a row reads as a date only in the format's order


def _written_swapped(read: ReadFile, path: Path, mapping: Mapping, problems: pl.DataFrame,
                     dates: list[_DateOrder]) -> pl.DataFrame:
    """The rows a second, swapped exporter wrote, rejected (ROW, column_name, reason); or the
    batch stopped when they cannot be told apart. A date column written the other way round
    from its format (month first for a day-first format, a US export; or the mirror) has
    dates that name no day read in the format's order but do read swapped (`problems` gives
    them `_swapped_hint`):
    - none reads only in the format's order (a day above 12 in the day's place): the file is
      written swapped and its other dates, days 12 and under, would load swapped (3 October
      as 10 March), so the batch stops; one such date is enough, as a file of early-month
      days may hold no other;
    - beside dates read only in the format's order, swapped ones written a way none of those
      is (see _SLIPS_OF_ONE_LAYOUT) are a second exporter's: every date written a way none
      of those is is rejected, the early-month ones too ("3/4/2025"), and the rest loads;
    - a few others are slips, rejected with their hint; more (see _SLIPS_SHARE) cannot be
      told apart, and stop the batch.
    A column whose every date reads both ways tells nothing: it loads as the mapping says."""
    rejected = [problems.clear()]
    for name, fmt, (first, other), text, only_as_written in dates:
        hint = _swapped_hint((first, other))
        rows = problems.filter((pl.col("column_name") == name)
                               & pl.col("reason").str.ends_with(hint))[ROW].to_list()
        if not rows:
            continue
        column = read.frame.select(ROW, only_as_written.alias("as_written"),
                                   text.is_not_null().alias("present"),
                                   cell_shape(text).alias("layout"))
        if not column["as_written"].any():
            raise BatchError(path, mapping, f"{name} is written {other} first: in "
                                            f"{_rows_named(rows)} it names no day read as "
                                            f"{fmt} but reads as a date {other} first, and "
                                            f"none of its dates reads only {first} first, so "
                                            "its others would load with day and month "
                                            "swapped (an export from a computer set to "
                                            f"{_LOCALE[other]} dates?): export it again with "
                                            f"{_LOCALE[first]} dates, or set date_format in "
                                            f"the mapping; if the file is {first} first, "
                                            "correct the rows named")
        # Written a way no date read only in the format's order is ("3/25/2025", "3/4/2025"
        # beside "25/03/2025"): the second exporter's, if enough of its swapped dates are.
        theirs = pl.col("present") & ~pl.col("layout").is_in(
            column.filter("as_written")["layout"].implode())
        swapped = pl.col(ROW).is_in(rows)
        if column.filter(swapped & theirs).height >= _SLIPS_OF_ONE_LAYOUT:
            failed = problems.filter(pl.col("column_name") == name)[ROW].implode()
            rejected.append(column.filter(theirs & ~pl.col(ROW).is_in(failed)).select(
                ROW, pl.lit(name).alias("column_name"),
                pl.format("{} is written as this file's dates read only {} first are (the "
                          "cell reads {}): it cannot be told which of day and month comes "
                          "first", pl.lit(name), pl.lit(other), pl.col("layout"))
                .alias("reason")))
            rows = column.filter(swapped & ~theirs)[ROW].to_list()
        dated = column["present"].sum()
        if len(rows) <= 1 or len(rows) <= _SLIPS_SHARE * dated:
            continue
        raise BatchError(path, mapping, f"{name} mixes {first}-first and {other}-first dates: "
                                        f"{_rows_named(rows)} name no day read as {fmt} but "
                                        f"read as dates {other} first ({len(rows)} of its "
                                        f"{dated} dates, written as its {first}-first ones "
                                        "are), too many to be slips, so the early-month "
                                        "dates among them would load with day and month "
                                        "swapped (two exports joined, one from a computer set "
                                        f"to {_LOCALE[other]} dates?): export it again with "
                                        f"{_LOCALE[first]} dates throughout, or correct the "
                                        f"rows named and any others written {other} first")
    return pl.concat(rejected).with_columns(pl.col(ROW).cast(problems.schema[ROW]))


def _rows_named(rows: list[int], shown: int = 5) -> str:
    """ "row 7", "rows 7, 9 and 12", "rows 7, 9, 12, 15, 20 and 31 more"."""
    if len(rows) == 1:
        return f"row {rows[0]}"
    if len(rows) > shown:
        return f"rows {', '.join(map(str, rows[:shown]))} and {len(rows) - shown} more"
    return f"rows {', '.join(map(str, rows[:-1]))} and {rows[-1]}"


# A date Excel wrote as its serial number (days since 1900: 20000-79999 is 1954-2118).
_EXCEL_SERIAL = r"^\s*[2-7]\d{4}(\.\d+)?\s*$"
EXCEL_SERIAL_HINT = ("; a number like this is how Excel stores a date: format the column as "
                     "a date in Excel before saving")

# The reason a date outside its plausible range is rejected with.
OUT_OF_RANGE = "is outside the plausible range of"


def _plausible(field: Field, value: pl.Expr, mapping: Mapping,
               today) -> tuple[pl.Expr, pl.Expr]:
    """The date with two-digit years resolved by the mapping's pivot, and the reason it is
    rejected when its year has two digits (no pivot) or it falls outside its range."""
    year = value.dt.year()
    two_digit = (year >= 0) & (year < 100)
    pivot = mapping.two_digit_year_pivot
    if pivot is not None:
        century = pl.when(year < pivot).then(pl.lit("2000y")).otherwise(pl.lit("1900y"))
        value = pl.when(two_digit).then(value.dt.offset_by(century)).otherwise(value)
    earliest, latest = plausible_range(field, mapping.plausible_dates, today)
    day = value.dt.date() if field.kind == TIMESTAMP else value
    outside = (f"{OUT_OF_RANGE} {field.name} ({earliest} to {latest}): "
               "correct the date in the export, or widen plausible_dates in the mapping if it "
               "is right")
    reason = pl.when((day < earliest) | (day > latest)).then(pl.lit(outside))
    if pivot is None:
        reason = pl.when(two_digit).then(pl.lit(
            "has a two-digit year: export four-digit years, or set two_digit_year_pivot in the "
            "mapping")).otherwise(reason)
    return value, reason


def _date_formats(field: Field, mapping: Mapping) -> list[str]:
    """The formats a date field is read in, in order: its own, the other of date_format and
    timestamp_format, their times on a 12-hour clock, then ISO."""
    # A date may be exported with its time ("Date/Time of Incident") beside date-only
    # columns in the same file: the date part is the date.
    formats = (mapping.date_format, mapping.timestamp_format) if field.kind == DATE \
        else (mapping.timestamp_format, mapping.date_format)
    twelve_hour = [variant for fmt in formats for variant in _twelve_hour(fmt)]
    # With a declared pivot a %y year is read whole and the pivot resolves its century.
    return list(dict.fromkeys(fmt.replace("%y", "%Y")
                              for fmt in (*formats, *twelve_hour, *_ISO_FORMATS)))


_CLOCK = re.compile(r"%H:%M(?::%S)?")


def _twelve_hour(fmt: str) -> list[str]:
    """`fmt`'s time on a 12-hour clock with AM/PM, with and without seconds ("03/04/2024
    2:30 PM", "03/04/2024 02:30:15 pm"; chrono reads AM/PM in any case): some exporters write
    it so whatever the mapping's format says. Its date part, day and month order included, is
    `fmt`'s own, so the month-first guard judges these dates as the others."""
    clock = _CLOCK.search(fmt)
    if clock is None:
        return []
    return [f"{fmt[:clock.start()]}{hours} %p{fmt[clock.end():]}"
            for hours in ("%I:%M", "%I:%M:%S")]


def _convert(field: Field, texts: list[pl.Expr], mapping: Mapping, typed: pl.Expr,
             thorough: bool) -> tuple[pl.Expr, pl.Expr | None]:
    """Expression for the typed value, and one that is true where a present value failed,
    reading `typed` (the value once computed). Not `thorough`, a date is read in the
    mapping's own format only (coerce's quick pass)."""
    kind, text = field.kind, texts[0]
    table = mapping.values.get(field.name, {})
    if kind in (ENUM, STRING):
        # Unknown codes stay as exported so the data-quality suite can name them.
        lookup = {**{normalise(v): v for v in field.values}, **table}
        if not lookup:
            return text, None
        key = text.str.strip_chars().str.to_lowercase()
        return key.replace_strict(lookup, default=text, return_dtype=pl.String), None
    if kind == LIST:
        # Several columns are read as one list: joined, then split like a single cell.
        joined = pl.concat_str(texts, separator=mapping.list_separator, ignore_nulls=True)
        parts = _split_list(pl.when(joined != "").then(joined), mapping)
        if table:
            parts = parts.list.eval(pl.element().str.to_lowercase().replace_strict(
                table, default=pl.element(), return_dtype=pl.String).drop_nulls())
        return parts.list.unique(maintain_order=True), None
    if kind == BOOLEAN:
        key = text.str.to_lowercase()
        mapped = {k: None if v is None else v == "true" for k, v in table.items()}
        table = {**dict.fromkeys(mapping.true_values, True),
                 **dict.fromkeys(mapping.false_values, False), **mapped}
        value = key.replace_strict(table, default=None, return_dtype=pl.Boolean)
        # A value mapped to blank is blank on purpose, not a failure.
        blank = key.is_in([k for k, v in mapped.items() if v is None])
        return value, text.is_not_null() & typed.is_null() & ~blank
    elif kind in (DATE, TIMESTAMP):
        formats = _date_formats(field, mapping)[:None if thorough else 1]
        parsed = [text.str.strptime(pl.Datetime("us"), fmt, strict=False) for fmt in formats]
        value = pl.coalesce(parsed)
        value = value.dt.date() if kind == DATE else value
    elif kind == INTEGER:
        number = _number(text, ",")
        # A count past 32 bits is a typing slip (99999999999 attendances), not a count.
        value = pl.when((number == number.round(0)) & (number.abs() <= _LARGEST_COUNT)) \
            .then(number).cast(pl.Int64, strict=False)
    elif kind == NUMBER:
        # Thousands separators, and a percentage's sign or money's pound sign (claims
        # registers): "15%" in a money column is not £15.
        value = _number(text, "[,%]" if field.name.endswith("_pct") else "[,£]")
    else:
        return text, None
    return value, text.is_not_null() & typed.is_null()
