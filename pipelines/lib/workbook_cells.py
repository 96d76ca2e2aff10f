"""What an .xlsx sheet's cells hold beyond the text fastexcel reads from them.

fastexcel reads an error cell (#REF!, #N/A) and a formula whose result was never saved as
blank, a cell formatted as a percentage as the fraction it stores (85% as 0.85), and the
cells a merged range covers as blank, though the sheet shows its value across them. A
broken cell would then load as a value nobody recorded, a target of 85% as 0.85%, and a
directorate merged over five rows as four unknown ones. The sheet's XML says which cells
these are; a sheet with no error, formula, merged range or percentage format costs a few
substring searches.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_REFERENCE = re.compile(rb'\br="([A-Z]+)([0-9]+)"')
_STYLE = re.compile(rb'\bs="([0-9]+)"')
_TYPE = re.compile(rb'\bt="([a-zA-Z]+)"')
# A value tag, not an empty one (`<v/>`: a formula never calculated).
_VALUE = re.compile(rb"<(?:v|is)\b[^>/]*>(?:<t\b[^>]*>)?([^<]*)<")
_MERGED = re.compile(rb'<mergeCell\b[^>]*\bref="([A-Z]+)([0-9]+):([A-Z]+)([0-9]+)"')
# Excel's built-in percentage formats: 0% and 0.00%.
_PERCENT_FORMATS = {"9", "10"}
UNSAVED_FORMULA = "a formula whose result was never saved"


@dataclass
class SheetCells:
    """Cells by (row, column) as fastexcel counts them (rows from 1, columns from 0, both
    from the sheet's first row and column holding a value)."""

    broken: dict[tuple[int, int], str] = field(default_factory=dict)  # -> "#REF!" ...
    shown: dict[tuple[int, int], str] = field(default_factory=dict)  # -> "85%"
    merged: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)  # -> top left
    # A merged range's own value, held from its first cell's row for the rows below.
    _values: dict[tuple[int, int], str] = field(default_factory=dict, repr=False)

    def broken_in(self, row: int) -> dict[int, str]:
        """Column -> what is wrong with that cell of `row`."""
        return self._broken_by_row.get(row, {})

    def as_shown(self, row: int, cells: list[str]) -> list[str]:
        """`row`'s cells as the sheet shows them: a percentage as one ("85%"), and a merged
        range's value in each cell it covers. Rows must be given in order."""
        if not (self.shown or self.merged):
            return cells
        cells = [self.shown.get((row, c), cell) for c, cell in enumerate(cells)]
        for c, cell in enumerate(cells):
            source = self.merged.get((row, c))
            if source is not None and not cell:
                cells[c] = self._values.get(source, "")
            elif (row, c) in self._sources:
                self._values[(row, c)] = cell
        return cells

    @cached_property
    def _broken_by_row(self) -> dict[int, dict[int, str]]:
        by_row: dict[int, dict[int, str]] = {}
        for (row, column), text in self.broken.items():
            by_row.setdefault(row, {})[column] = text
        return by_row

    @cached_property
    def _sources(self) -> set[tuple[int, int]]:
        return set(self.merged.values())


def sheet_cells(path: Path, sheet: str | None) -> SheetCells:
    """The broken, percentage and merged cells of an .xlsx sheet (`sheet` None: the first).
    Empty for other kinds of workbook, and for one that cannot be read (its reader says why)."""
    cells = SheetCells()
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return cells
    try:
        with zipfile.ZipFile(path) as package:
            xml = package.read(_sheet_part(package, sheet))
            percent = _percent_styles(package) if b' s="' in xml else set()
    except (zipfile.BadZipFile, KeyError, StopIteration, ElementTree.ParseError):
        return cells
    if not (b't="e"' in xml or b"<f" in xml or b"<mergeCell " in xml or percent):
        return cells
    found, first_row, first_column = [], None, None
    for attributes, content in _CELL.findall(xml):
        reference = _REFERENCE.search(attributes)
        if reference is None:
            continue
        row, column = int(reference[2]), _column_number(reference[1])
        value = _VALUE.search(content or b"")
        if value is None:
            if b"<f" in (content or b""):
                found.append((row, column, "broken", UNSAVED_FORMULA))
            continue  # a cell holding nothing lies outside the used range
        first_row = row if first_row is None else min(first_row, row)
        first_column = column if first_column is None else min(first_column, column)
        kind = _TYPE.search(attributes)
        style = _STYLE.search(attributes)
        if kind is not None and kind[1] == b"e":
            found.append((row, column, "broken", value[1].decode("utf-8", "replace")))
        elif (kind is None or kind[1] == b"n") and style is not None \
                and int(style[1]) in percent:
            found.append((row, column, "shown", _as_percent(value[1].decode())))
    if first_row is None:
        return cells
    for row, column, kind, text in found:
        getattr(cells, kind)[(row - first_row + 1, column - first_column)] = text
    for left, top, right, bottom in _MERGED.findall(xml):
        top, bottom = int(top), int(bottom)
        left, right = _column_number(left), _column_number(right)
        source = (top - first_row + 1, left - first_column)
        for row in range(top, bottom + 1):
            for column in range(left, right + 1):
                if (row, column) != (top, left):
                    cells.merged[(row - first_row + 1, column - first_column)] = source
    return cells


def _sheet_part(package: zipfile.ZipFile, sheet: str | None) -> str:
    """The package part holding the sheet named `sheet` (None: the first)."""
    sheets = ElementTree.fromstring(package.read("xl/workbook.xml")).iter(f"{_MAIN}sheet")
    chosen = next((s for s in sheets if sheet is None or s.get("name") == sheet), None)
    if chosen is None:
        raise KeyError(sheet)
    relations = ElementTree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
    target = next(r.get("Target") for r in relations.iter(f"{_PACKAGE_REL}Relationship")
                  if r.get("Id") == chosen.get(f"{_REL}id"))
    return target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)


def _percent_styles(package: zipfile.ZipFile) -> set[int]:
    """Positions of the cell styles (a cell's `s`) that show a number as a percentage."""
    try:
        styles = ElementTree.fromstring(package.read("xl/styles.xml"))
    except KeyError:
        return set()
    percent = set(_PERCENT_FORMATS) | {
        f.get("numFmtId") for f in styles.iter(f"{_MAIN}numFmt")
        if "%" in re.sub(r'"[^"]*"|\\.', "", f.get("formatCode") or "")}
    formats = next(styles.iter(f"{_MAIN}cellXfs"), None)
    return {i for i, xf in enumerate(formats.iter(f"{_MAIN}xf") if formats is not None else [])
            if xf.get("numFmtId") in percent}


def _as_percent(stored: str) -> str:
    """A percentage cell's stored fraction as the sheet shows it: "0.85" -> "85%"."""
    try:
        number = float(stored) * 100
    except ValueError:
        return stored
    return format(round(number, 9), "f").rstrip("0").rstrip(".") + "%"


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - ord("A") + 1
    return number
