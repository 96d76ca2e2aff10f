"""The bad-input corpus: every way an export arrives broken, each with the outcome a user sees.

Each case is one or more export files read through a mapping by the loader itself (cheap);
the end-to-end behaviour of the refresh on bad input is in tests/test_faults.py. For every case
that loads, rows read = rows loaded + rows rejected is checked per file, and no message or
reason may repeat a cell's text (the descriptions carry a name, as real ones do).
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
from dataclasses import dataclass, field

import pytest
from test_loading import FFT_MAPPING_HEAD, MAPPING

from pipelines.lib.ingest import load_source
from pipelines.lib.loading import BatchError
from pipelines.lib.mapping import MappingError, load_mappings, parse_mapping

# test_loading's incident mapping, plus a revision time.
INCIDENTS = MAPPING.replace("columns:\n", 'timestamp_format: "%d/%m/%Y %H:%M"\ncolumns:\n'
                                          "  updated_at: Updated\n")
FFT = FFT_MAPPING_HEAD + """  rating: Rating
  comment_improve: Improve
values:
  rating:
    Very good: very_good
    Poor: poor
"""
HEADER = ["Ref", "Updated", "Date of incident", "Harm", "Ward", "Never event", "Description"]
SECRET = "Mrs Jane Smithson"  # free text a reason or message must never repeat
NEXT_YEAR = (dt.date.today() + dt.timedelta(days=400)).strftime("%d/%m/%Y")


def incident(ref: str, occurred: str = "03/02/2025", updated: str = "04/02/2025 10:00",
             harm: str = "Low harm", note: str = f"{SECRET} slipped") -> list[str]:
    return [ref, updated, occurred, harm, "Ward 7B", "N", note]


def csv_bytes(rows: list[list[str]], sep: str = ",", header: list[str] = HEADER,
              encoding: str = "utf-8", newline: str = "\n") -> bytes:
    def line(cells: list[str]) -> str:
        return sep.join(f'"{c}"' if sep in c or "\n" in c else c for c in cells)
    return "".join(line(r) + newline for r in [header, *rows]).encode(encoding)


def two_good(extra: bytes = b"") -> bytes:
    return csv_bytes([incident("INC1"), incident("INC2")]) + extra


def workbook(rows: list[list[str | None]]) -> bytes:
    """An .xlsx whose first sheet holds `rows` from A1 (None leaves a cell empty)."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    for r, cells in enumerate(rows):
        for c, cell in enumerate(cells):
            if cell is not None:
                sheet.write_string(r, c, cell)
    book.close()
    return buffer.getvalue()


@dataclass
class Case:
    name: str
    files: dict[str, bytes]
    # ("loaded", read, loaded, rejected) or ("batch", None, None, None)
    outcome: tuple[str, int | None, int | None, int | None]
    says: tuple[str, ...] = ()  # fragments of the batch message or of the rejection reasons
    mapping_extra: str = ""
    source: str = "incidents"
    checks: dict = field(default_factory=dict)  # column -> expected loaded values


def loads(read: int, loaded: int, rejected: int) -> tuple:
    return ("loaded", read, loaded, rejected)


BATCH = ("batch", None, None, None)

CASES = [
    # Row shapes
    Case("clean file", {"a.csv": two_good()}, loads(2, 2, 0)),
    Case("short row (last fields missing)", {"a.csv": csv_bytes(
        [incident("INC1"), incident("INC2")[:4]])}, loads(2, 1, 1),
         ("expected 7 fields, found 4",)),
    Case("long row (an extra comma)", {"a.csv": csv_bytes(
        [incident("INC1"), [*incident("INC2"), "", "x"]])}, loads(2, 1, 1),
         ("expected 7 fields, found 9",)),
    Case("trailing blank lines are skipped", {"a.csv": two_good(b"\n\n\r\n")}, loads(2, 2, 0)),
    Case("blank line and a row of empty cells mid-file are skipped", {"a.csv": csv_bytes(
        [incident("INC1"), [""] * 7, incident("INC2")]).replace(b"INC2", b"\nINC2")},
         loads(2, 2, 0), checks={"_source_row": [2, 5]}),
    Case("CRLF line endings", {"a.csv": csv_bytes([incident("INC1")], newline="\r\n")},
         loads(1, 1, 0)),
    Case("CR-only line endings (old Mac)", {"a.csv": csv_bytes(
        [incident("INC1"), incident("INC2")], newline="\r")}, loads(2, 2, 0)),
    Case("quoted line break in a comment keeps row numbers", {"a.csv": csv_bytes(
        [incident("INC1", note="line one\nline two"), incident("INC2")])}, loads(2, 2, 0),
         checks={"_source_row": [2, 3]}),
    Case("a quote inside an unquoted cell is text", {"a.csv": csv_bytes(
        [incident("INC1", note='5" dressing')])}, loads(1, 1, 0),
         checks={"description": ['5" dressing']}),
    Case("text after a closing quote rejects only its row", {"a.csv": two_good().replace(
        b"INC2,", b'"INC2"x,')}, loads(2, 1, 1), ("cannot be split into fields",)),
    Case("a quote that joins two rows", {"a.csv": two_good().replace(
        b"INC1,", b'INC1,"').replace(b"Smithson slipped\nINC2", b'Smithson slipped\nINC2"')},
         loads(2, 0, 2), ("rows 2-3 were read as one",)),
    # An independent probe lost nine incidents this way: the rows a stray quote joined
    # loaded as one row (or were rejected as one), counted as one read.
    Case("a quote joining whole rows is each row rejected, not one", {"a.csv": csv_bytes(
        [incident("INC1", note='"A fall'), incident("INC2"), incident("INC3", note='slip"'),
         incident("INC4")])}, loads(4, 1, 3), ("rows 2-4 were read as one",),
         checks={"_source_row": [5]}),
    Case("a quote joining rows until a later quote breaks them is each row rejected", {
        "a.csv": csv_bytes([incident("INC1", note='"A fall'), incident("INC2"),
                            incident("INC3", note='He said "no" loudly'), incident("INC4")])},
         loads(4, 1, 3), ("rows 2-4 were read as one",), checks={"_source_row": [5]}),
    # Valid CSV an independent probe saw rejected: a comment line holding a record's commas
    # was taken for a record a stray quote had joined.
    Case("a comment line holding a record's commas is part of its row", {"a.csv": csv_bytes(
        [incident("INC1", note="Nothing really.\nThe nurses, doctors, porters, cleaners, "
                               "receptionists, and volunteers, thank you."), incident("INC2")])},
         loads(2, 2, 0), checks={"_source_row": [2, 3]}),
    Case("an FFT comment over two lines, the second with 4 commas, in a 5-column file", {
        "a.csv": csv_bytes([[f"R{d}", f"{d:02d}/10/2025", "A&E", "Very good", "Nothing really."
                             "\nThe nurses, doctors, porters, and cleaners were all lovely, "
                             "thank you." if d == 3 else ""] for d in range(1, 13)],
                           header=["ID", "Date", "Department", "Rating", "Improve"])},
         loads(12, 12, 0), source="fft"),
    Case("unterminated quote stops the batch at its row", {"a.csv": csv_bytes(
        [incident("INC1"), incident("INC2"), incident("INC3")]).replace(b"INC2,", b'"INC2,')},
         BATCH, ("row 3", "never closed")),
    # A file cut mid-row (an export still being written, a copy that failed) had its short
    # last row rejected with only a warning, and the marts replaced without the rows after it.
    Case("a file cut short mid-row stops the batch", {"a.csv": two_good()[:-30]}, BATCH,
         ("row 3", "ends mid-row (the row has 5 of the header's 7 fields)", "cut short")),
    Case("a file cut short inside a quoted cell stops the batch", {"a.csv": csv_bytes(
        [incident("INC1"), incident("INC2", note="Fell, hit head")])[:-6]}, BATCH,
         ("row 3", "ends mid-row (inside a quoted cell", "cut short")),
    Case("a semicolon CRLF file cut short mid-row stops the batch", {"a.csv": csv_bytes(
        [incident("INC1"), incident("INC2")], sep=";", newline="\r\n")[:-45]}, BATCH,
         ("row 3", "ends mid-row", "cut short")),
    Case("a whole last row without a line break after it loads", {"a.csv": csv_bytes(
        [incident("INC1"), incident("INC2", note="Fell, hit head")])[:-1]}, loads(2, 2, 0),
         checks={"description": [f"{SECRET} slipped", "Fell, hit head"]}),
    Case("a whole last row without CRLF after it loads", {"a.csv": csv_bytes(
        [incident("INC1"), incident("INC2")], newline="\r\n")[:-2]}, loads(2, 2, 0)),
    # Excel writes an owner file beside a workbook someone has open on the share; it stopped
    # the night as "not a workbook" (an independent probe).
    Case("a spreadsheet's lock file beside the exports is not an export", {
        "a.csv": two_good(), "~$a.xlsx": b"\x0bJane Smithson" + b"\x00" * 50,
        "Thumbs.db": b"\x00" * 20}, loads(2, 2, 0)),
    Case("a zip archive named .csv", {"a.csv": b"PK\x03\x04" + b"\x00" * 26 + b"a.csv" + b"x" * 40},
         BATCH, ("is a compressed archive",)),
    Case("a gzip file named .csv", {"a.csv": b"\x1f\x8b\x08\x00" + b"\x00" * 40}, BATCH,
         ("is a compressed archive",)),
    Case("title rows above the header", {"a.csv": b"Incident listing,,,,,,\nRun 01/12/2026,,,,,,\n"
                                         + two_good()}, BATCH, ("set `header_row:`",)),
    Case("header but no rows", {"a.csv": csv_bytes([])}, BATCH, ("no data rows",)),
    Case("header and blank lines only", {"a.csv": csv_bytes([]) + b"\n,,,,,,\n\n"}, BATCH,
         ("no data rows",)),
    Case("empty file", {"a.csv": b""}, BATCH, ("is empty",)),
    Case("only blank lines", {"a.csv": b"\n\n \n"}, BATCH, ("is empty",)),
    # Headers
    Case("mapped header repeated", {"a.csv": csv_bytes(
        [[*incident("INC1"), "x"]], header=[*HEADER, "Harm"])}, BATCH,
         ("column 'Harm' (physical_harm) appears 2 times", "columns 4 and 8")),
    Case("unmapped header repeated is fine", {"a.csv": csv_bytes(
        [[*incident("INC1"), "x", "y"]], header=[*HEADER, "Notes", "Notes"])}, loads(1, 1, 0)),
    Case("mapped header missing", {"a.csv": csv_bytes(
        [incident("INC1")[:3] + incident("INC1")[4:]],
        header=HEADER[:3] + HEADER[4:])}, BATCH,
         ("column 'Harm' (physical_harm) is not in the header row", "optional_columns")),
    Case("mapped header renamed slightly", {"a.csv": csv_bytes(
        [incident("INC1")], header=[h.replace("Harm", "Harms") for h in HEADER])}, BATCH,
         ("(the file has 'Harms')",)),
    Case("optional mapped header missing loads blank", {"a.csv": csv_bytes(
        [incident("INC1")[:3] + incident("INC1")[4:]], header=HEADER[:3] + HEADER[4:])},
         loads(1, 1, 0), mapping_extra="optional_columns: [physical_harm]\n",
         checks={"physical_harm": [None]}),
    Case("header names differ in case and spaces", {"a.csv": csv_bytes(
        [incident("INC1")], header=[f"  {h.upper()} " for h in HEADER])}, loads(1, 1, 0)),
    Case("no header row (data first)", {"a.csv": csv_bytes(
        [incident("INC2")], header=incident("INC1"))}, BATCH,
         ("none of the mapped columns is in the first row",)),
    Case("a title row above the header", {"a.csv": b"Incident listing 2025\n" + two_good()},
         BATCH, ("row 1", "none of the mapped columns is in the first row")),
    # Encodings and delimiters
    Case("UTF-8 with byte-order mark", {"a.csv": codecs.BOM_UTF8 + two_good()}, loads(2, 2, 0),
         checks={"incident_id": ["INC1", "INC2"]}),
    Case("UTF-16 with byte-order mark (Excel 'Unicode text', tabs)", {"a.csv": csv_bytes(
        [incident("INC1", note="Café ward"), incident("INC2")], sep="\t", encoding="utf-16")},
         loads(2, 2, 0), checks={"description": ["Café ward", f"{SECRET} slipped"]}),
    Case("UTF-16 without byte-order mark", {"a.csv": csv_bytes(
        [incident("INC1")], encoding="utf-16-le")}, loads(1, 1, 0)),
    Case("Windows-1252", {"a.csv": csv_bytes([incident("INC1", note="Patient’s fall £")],
                                             encoding="windows-1252")}, loads(1, 1, 0),
         checks={"description": ["Patient’s fall £"]}),
    # An independent probe's UTF-8 claims file with one line pasted from a Windows-1252
    # system was decoded whole as Windows-1252: every "£" became "Â£", every row rejected.
    Case("UTF-8 with one line in Windows-1252", {"a.csv": csv_bytes(
        [incident("INC1", note="Fell, £20 of cafe vouchers lost")])
        + "INC2,04/02/2025 10:00,03/02/2025,Low harm,Ward 7B,N,café fall\n".encode("cp1252")},
         loads(2, 2, 0), checks={"description": ["Fell, £20 of cafe vouchers lost",
                                                 "café fall"]}),
    Case("semicolon-separated (decimal-comma locale)", {"a.csv": csv_bytes(
        [incident("INC1", note="fell, no injury"), incident("INC2")], sep=";")},
         loads(2, 2, 0), checks={"description": ["fell, no injury", f"{SECRET} slipped"]}),
    Case("tab-separated", {"a.csv": csv_bytes([incident("INC1")], sep="\t")}, loads(1, 1, 0)),
    Case("pipe-separated", {"a.csv": csv_bytes([incident("INC1")], sep="|")}, loads(1, 1, 0)),
    Case("Excel's sep=; first line", {"a.csv": b"sep=;\r\n" + csv_bytes(
        [incident("INC1", note="fell, no injury")], sep=";")}, loads(1, 1, 0),
         checks={"_source_row": [2], "description": ["fell, no injury"]}),
    Case("mapping says comma, file is semicolon", {"a.csv": csv_bytes(
        [incident("INC1")], sep=";")}, BATCH, ("semicolon-separated", "delimiter: auto"),
         mapping_extra='delimiter: ","\n'),
    Case("not UTF-8 when the mapping says so", {"a.csv": two_good() + b"INC3,,,,,,caf\xe9\n"},
         BATCH, ("not valid UTF-8", "line 4", "CSV UTF-8"), mapping_extra="encoding: utf-8\n"),
    Case("a workbook saved with a .csv name", {"a.csv": workbook([HEADER, incident("INC1")])},
         BATCH, ("is an Excel workbook, not a CSV",)),
    Case("binary junk", {"a.csv": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))},
         BATCH, ("binary data", "row 3")),
    # A stray zero byte failed its whole file; its row is rejected now, the rest loads.
    Case("one stray zero byte", {"a.csv": two_good() + b"INC3,,,,,,fell\x00\n"},
         loads(3, 2, 1), ("Description holds a zero byte", "export the row again"),
         checks={"incident_id": ["INC1", "INC2"]}),
    Case("a zero byte in a column the mapping does not read", {"a.csv": csv_bytes(
        [[*incident("INC1"), "x\x00"]], header=[*HEADER, "Notes"])}, loads(1, 1, 0)),
    Case("a CSV saved with an .xlsx name", {"a.xlsx": two_good()}, BATCH,
         ("is not a workbook", "rename it to .csv")),
    Case("a reporting tool's HTML saved with an .xlsx name",
         {"a.xlsx": b"<html><body><table><tr><td>Ref</td></tr></table></body></html>"},
         BATCH, ("is a web page (HTML), not a workbook",)),
    Case("a password-protected workbook",
         {"a.xlsx": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504}, BATCH,
         ("is password-protected (encrypted)",)),
    Case("workbook with blank rows loads the rest", {"a.xlsx": workbook(
        [HEADER, incident("INC1"), [None] * 7, incident("INC2"), [None] * 7])},
         loads(2, 2, 0), checks={"_source_row": [2, 4]}),
    Case("workbook with a repeated mapped header", {"a.xlsx": workbook(
        [[*HEADER, "Ref"], [*incident("INC1"), "INC9"]])}, BATCH,
         ("column 'Ref' (incident_id) appears 2 times in the header row (columns 1 and 8)",)),
    Case("workbook without the mapped sheet", {"a.xlsx": workbook([HEADER, incident("INC1")])},
         BATCH, ("has no sheet 'Incidents'", "Sheet1"), mapping_extra="sheet: Incidents\n"),
    # Dates
    Case("two-digit year under %d/%m/%Y (FFT 15/07/25)", {"a.csv": csv_bytes(
        [incident("INC1", occurred="15/07/25"), incident("INC2")])}, loads(2, 1, 1),
         ("occurred_date", "has a two-digit year", "two_digit_year_pivot")),
    Case("two-digit year with a declared pivot", {"a.csv": csv_bytes(
        [incident("INC1", occurred="15/07/25"), incident("INC2", occurred="15/07/75")])},
         loads(2, 1, 1), ("outside the plausible range of occurred_date",),
         mapping_extra="two_digit_year_pivot: 70\n",
         checks={"occurred_date": [dt.date(2025, 7, 15)]}),
    Case("%y format with a pivot", {"a.csv": csv_bytes([incident("INC1", occurred="15/07/25")])},
         loads(1, 1, 0), mapping_extra='two_digit_year_pivot: 70\ndate_format: "%d/%m/%y"\n',
         checks={"occurred_date": [dt.date(2025, 7, 15)]}),
    Case("a date Excel wrote as its serial number", {"a.csv": csv_bytes(
        [incident("INC1", occurred="45691"), incident("INC2")])}, loads(2, 1, 1),
         ("occurred_date is not a date", "how Excel stores a date")),
    Case("a date in 2035", {"a.csv": csv_bytes(
        [incident("INC1", occurred="03/02/2035"), incident("INC2")])}, loads(2, 1, 1),
         ("outside the plausible range of occurred_date (2000-01-01 to",)),
    Case("1900-01-01 placeholder date", {"a.csv": csv_bytes(
        [incident("INC1", occurred="01/01/1900"), incident("INC2")])}, loads(2, 1, 1),
         ("outside the plausible range",)),
    Case("revision time years ahead", {"a.csv": csv_bytes(
        [incident("INC1", updated="04/02/2052 10:00"), incident("INC2")])}, loads(2, 1, 1),
         ("outside the plausible range of updated_at",)),
    Case("revision time with a two-digit year", {"a.csv": csv_bytes(
        [incident("INC1", updated="04/02/25 10:00"), incident("INC2")])}, loads(2, 1, 1),
         ("updated_at", "two-digit year")),
    Case("an older range declared in the mapping", {"a.csv": csv_bytes(
        [incident("INC1", occurred="03/02/1995")])}, loads(1, 1, 0),
         mapping_extra="plausible_dates: {occurred_date: {earliest: 1990-01-01}}\n"),
    Case("a date that does not exist", {"a.csv": csv_bytes(
        [incident("INC1", occurred="31/02/2025"), incident("INC2")])}, loads(2, 1, 1),
         ("is not a date in the format %d/%m/%Y", "no such day exists")),
    Case("a date in another format is not called a missing day", {"a.csv": csv_bytes(
        [incident("INC1", occurred="03.02.2025"), incident("INC2")])}, loads(2, 1, 1),
         ("is not a date in the format %d/%m/%Y (the cell reads ##.##.####)",),
         checks={"_source_row": [3]}),
    # Duplicates and conflicting versions
    Case("exact duplicate row", {"a.csv": csv_bytes([incident("INC1"), incident("INC1")])},
         loads(2, 1, 1), ("exact duplicate of incidents/a.csv row 2",)),
    # A copy saved beside an export: the copy's rows are the duplicates, not the export's.
    Case("a copy of an export beside it", {"a - Copy.csv": two_good(), "a.csv": two_good()},
         loads(4, 2, 2), ("exact duplicate of incidents/a.csv row 2",
                          "exact duplicate of incidents/a.csv row 3")),
    Case("an export downloaded twice", {"a (1).csv": two_good(), "a.csv": two_good()},
         loads(4, 2, 2), ("exact duplicate of incidents/a.csv row 2",)),
    Case("same incident id and revision time, different content", {"a.csv": csv_bytes(
        [incident("INC1"), incident("INC1", harm="No harm"), incident("INC2")])},
         loads(3, 1, 2), ("same incident_id and updated_at as incidents/a.csv row 3",
                          "same incident_id and updated_at as incidents/a.csv row 2")),
    Case("same id and revision time across two exports", {
        "a.csv": csv_bytes([incident("INC1")]),
        "b.csv": csv_bytes([incident("INC1", harm="No harm")])}, loads(2, 0, 2),
         ("as incidents/b.csv row 2", "as incidents/a.csv row 2")),
    Case("revisions of one incident load", {"a.csv": csv_bytes(
        [incident("INC1"), incident("INC1", updated="20/02/2025 09:00", harm="No harm")])},
         loads(2, 2, 0)),
    Case("no revision time: one file disagreeing with itself", {"a.csv": csv_bytes(
        [incident("INC1", updated=""), incident("INC1", updated="", harm="No harm")])},
         loads(2, 0, 2), ("same incident_id and updated_at as incidents/a.csv row",)),
    Case("no revision time: a later export is a later snapshot", {
        "a.csv": csv_bytes([incident("INC1", updated="")]),
        "b.csv": csv_bytes([incident("INC1", updated="", harm="No harm")])}, loads(2, 2, 0)),
    Case("FFT response id repeated with different content", {
        "a.csv": b"ID,Date,Rating,Improve\nR1,01/03/2025,Very good,\nR2,01/03/2025,Poor,"
                 b"Mrs Jane Smithson waited\n",
        "b.csv": b"ID,Date,Rating,Improve\nR2,01/03/2025,Very good,\nR3,02/03/2025,Poor,\n"},
         loads(4, 2, 2), ("same response_id as fft/b.csv row 2",
                          "same response_id as fft/a.csv row 3"), source="fft"),
    Case("FFT response repeated by an overlapping extract", {
        "a.csv": b"ID,Date,Rating,Improve\nR1,01/03/2025,Very good,\n",
        "b.csv": b"ID,Date,Rating,Improve\nR1,01/03/2025,Very good,\nR2,02/03/2025,Poor,\n"},
         loads(3, 2, 1), ("exact duplicate of fft/a.csv row 2",), source="fft"),
    # Values
    Case("unknown harm grade", {"a.csv": csv_bytes([incident("INC1", harm="Moderat"),
                                                    incident("INC2")])}, loads(2, 1, 1),
         ("physical_harm is not a known value",)),
    Case("missing id", {"a.csv": csv_bytes([incident(""), incident("INC2")])}, loads(2, 1, 1),
         ("incident_id is blank but required",)),
    Case("most rows rejected: the mapping no longer fits", {"a.csv": csv_bytes(
        [incident(f"INC{i}", occurred=f"{i + 10}-02-2025") for i in range(12)])}, BATCH,
         ("12 of 12 rows are rejected", "column occurred_date", "is not a date in the format")),
    Case("most rows the wrong shape", {"a.csv": csv_bytes(
        [incident(f"INC{i}")[:5] for i in range(12)])}, BATCH,
         ("12 of 12 rows are rejected", "expected 7 fields, found 5")),
]


@pytest.fixture(scope="module")
def gx_ready():
    """Great Expectations costs seconds to import: pay it once for the module."""
    from pipelines.lib.validation import _context

    _context()


def run_case(case: Case, tmp_path):
    (tmp_path / "mappings").mkdir()
    (tmp_path / "mappings" / "incidents.yml").write_text(INCIDENTS + case.mapping_extra)
    (tmp_path / "mappings" / "fft.yml").write_text(FFT)
    folder = tmp_path / "raw" / case.source
    folder.mkdir(parents=True)
    for name, content in case.files.items():
        (folder / name).write_bytes(content)
    return load_source(tmp_path / "raw", load_mappings(tmp_path / "mappings"), case.source)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(case: Case, tmp_path, gx_ready):
    kind, read, loaded, rejected = case.outcome
    if kind == "batch":
        with pytest.raises(BatchError) as error:
            run_case(case, tmp_path)
        message = str(error.value)
        assert str(tmp_path / "raw" / case.source) in message  # the file
        assert f"mapping {tmp_path / 'mappings'}" in message  # the mapping
        for fragment in case.says:
            assert fragment in message, message
        assert "Smithson" not in message and "\n" not in message, message
        return
    [load] = run_case(case, tmp_path)
    # Row accounting per file, and overall against the case's expectation.
    for file in load.files.iter_rows(named=True):
        assert file["rows_read"] == file["rows_loaded"] + file["rows_rejected"], file
    assert (load.rows_read, load.loaded.height, load.rejected.height) == (read, loaded, rejected)
    assert load.files["rows_rejected"].sum() == load.rejected.height
    reasons = " | ".join(f"{column}: {reason}" for column, reason in
                         load.rejected.select("column_name", "reason").iter_rows())
    for fragment in case.says:
        assert fragment in reasons, reasons
    assert "Smithson" not in reasons
    # Nothing is lost: each rejected row keeps the row as exported.
    assert load.rejected["record"].null_count() == 0
    for column, values in case.checks.items():
        assert load.loaded.sort("_source_file", "_source_row")[column].to_list() == values


def test_the_corpus_covers_every_kind_of_outcome():
    kinds = [c.outcome[0] for c in CASES]
    assert len(CASES) >= 40 and kinds.count("batch") >= 15 and kinds.count("loaded") >= 25
    assert any(c.outcome[3] for c in CASES if c.outcome[0] == "loaded")


@pytest.mark.parametrize("extra, problem", [
    ('date_format: "%d/%m/%y"\n', "two_digit_year_pivot"),
    ("two_digit_year_pivot: 150\n", "two_digit_year_pivot must be a whole number"),
    ("plausible_dates: {occurred_date: {latest: next week}}\n", r"is not a date \(YYYY-MM-DD\)"),
    ("plausible_dates: {location: {latest: today}}\n", "'location' is not a date field"),
    ('delimiter: "#"\n', "delimiter '#' is not one of"),
    ("optional_columns: [incident_id]\n", "optional_columns"),
])
def test_mapping_date_and_shape_settings_are_checked(tmp_path, extra, problem):
    path = tmp_path / "incidents.yml"
    path.write_text(INCIDENTS + extra)
    with pytest.raises(MappingError, match=problem) as error:
        parse_mapping(path)
    assert str(path) in str(error.value)


def test_due_dates_may_lie_ahead_within_their_own_range(tmp_path, gx_ready):
    """An agreed response date a year ahead is plausible; an event date is not."""
    (tmp_path / "mappings").mkdir()
    (tmp_path / "mappings" / "complaints.yml").write_text(
        'source: complaints\nfiles: ["complaints/*.csv"]\ncolumns:\n  complaint_id: Ref\n'
        "  received_date: Received\n  due_date: Due\n")
    (tmp_path / "raw" / "complaints").mkdir(parents=True)
    soon = (dt.date.today() + dt.timedelta(days=40)).strftime("%d/%m/%Y")
    (tmp_path / "raw" / "complaints" / "c.csv").write_text(
        f"Ref,Received,Due\nC1,01/03/2025,{soon}\nC2,{soon},{soon}\nC3,01/03/2025,{NEXT_YEAR}\n")
    [load] = load_source(tmp_path / "raw", load_mappings(tmp_path / "mappings"), "complaints")
    assert load.loaded["complaint_id"].to_list() == ["C1"]
    reasons = dict(load.rejected.select("row_number", "column_name").iter_rows())
    assert reasons == {3: "received_date", 4: "due_date"}
