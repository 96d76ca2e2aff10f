"""The cells of an .xlsx sheet that hold a spreadsheet error (#REF!, #N/A, #DIV/0! ...).

fastexcel reads an error cell as blank, so a formula broken before export would load as a
value nobody recorded. A workbook marks such a cell `t="e"` in its sheet's XML; only a sheet
holding that mark is scanned cell by cell, so a clean workbook costs one substring search.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_REFERENCE = re.compile(rb'\br="([A-Z]+)([0-9]+)"')
_ERROR_TYPE = re.compile(rb'\bt="e"')
_VALUE = re.compile(rb"<(?:v|is)\b[^>]*>(?:<t\b[^>]*>)?([^<]*)<")


def error_cells(path: Path, sheet: str | None) -> dict[tuple[int, int], str]:
    """(row, column) -> the error an .xlsx sheet's cell holds, counted as fastexcel counts the
    sheet's rows and columns: from 1 and from 0 at the first row and column holding a value
    (its used range). `sheet` None: the first sheet. Empty for other kinds of workbook."""
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return {}
    try:
        with zipfile.ZipFile(path) as package:
            xml = package.read(_sheet_part(package, sheet))
    except (zipfile.BadZipFile, KeyError, StopIteration):
        return {}  # not a readable workbook, or no such sheet: the reader says which
    if not _ERROR_TYPE.search(xml):
        return {}
    cells, first_row, first_column = [], None, None
    for attributes, content in _CELL.findall(xml):
        reference, value = _REFERENCE.search(attributes), _VALUE.search(content or b"")
        if reference is None or value is None:
            continue  # a styled cell holding nothing lies outside the used range
        row, column = int(reference[2]), _column_number(reference[1])
        first_row = row if first_row is None else min(first_row, row)
        first_column = column if first_column is None else min(first_column, column)
        if _ERROR_TYPE.search(attributes):
            cells.append((row, column, value[1].decode("utf-8", "replace")))
    return {(row - first_row + 1, column - first_column): error for row, column, error in cells}


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


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - ord("A") + 1
    return number
