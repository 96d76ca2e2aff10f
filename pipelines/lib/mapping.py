"""Export mappings: which raw files a mapping reads and how their columns become canonical.

The YAML format is documented in `mappings/README.md`. Everything here fails early with the
mapping file named, so a trust editing a mapping sees what is wrong before any data moves.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pipelines.lib.canonical import (
    BOOLEAN,
    DATE,
    ENTITIES,
    ENUM,
    LIST,
    SOURCES,
    STRING,
    TIMESTAMP,
    Entity,
)
from pipelines.lib.dates import BoundError, check_bound, default_range
from pipelines.lib.errors import UserFacingError

DEFAULT_NULLS = ("", "n/a", "na", "null", "none recorded", "not known", "-")
DEFAULT_TRUE = ("y", "yes", "true", "1")
DEFAULT_FALSE = ("n", "no", "false", "0")
ENCODINGS = ("auto", "utf-8", "windows-1252")
# `auto` picks, from the header row, the one that finds the mapped columns.
DELIMITERS = {"auto": None, ",": ",", ";": ";", "tab": "\t", "\t": "\t", "|": "|"}
_KEYS = {
    "source", "entity", "files", "encoding", "delimiter", "sheet", "date_format",
    "timestamp_format", "two_digit_year_pivot", "plausible_dates", "list_separator", "nulls",
    "columns", "optional_columns", "values", "true_values", "false_values", "constants",
    "derived", "template", "header_row",
}
_DERIVED_KEYS = {"if_list", "contains", "then", "then_value", "else"}
# YAML reads Yes/No/On/Off as booleans: a values key written that way means all its spellings.
_YAML_BOOLEAN_KEYS = {True: ("true", "yes", "y", "on"), False: ("false", "no", "n", "off")}


_VALUE_KINDS = (ENUM, BOOLEAN, STRING, LIST)


class MappingError(UserFacingError, ValueError):
    """A mapping file that cannot be used as written."""


def normalise(value: str) -> str:
    """How coded values are compared: case and surrounding spaces ignored."""
    return value.strip().casefold()


def header_key(value: str) -> str:
    """How header names are compared: case, spaces and punctuation ignored, so `Date of
    Incident`, `date_of_incident` and `DATE-OF-INCIDENT` are one column."""
    return "".join(ch for ch in value.casefold() if ch.isalnum())


@dataclass(frozen=True)
class Derived:
    """A field read from two columns: where the list in `if_list` contains `contains`, the
    value of column `then` (or the constant `then_value`); elsewhere `otherwise`."""

    if_list: str
    contains: str
    then: str | None
    then_value: str | None
    otherwise: str | None


@dataclass(frozen=True)
class Mapping:
    path: Path
    entity: Entity
    files: tuple[str, ...]
    columns: dict[str, str]
    values: dict[str, dict[str, str | None]] = field(default_factory=dict)
    # A shipped template (mappings/templates/): copied into a profile, never read as active.
    template: bool = False
    # List fields gathered from several columns (Subject 1, Subject 2 ...).
    column_lists: dict[str, tuple[str, ...]] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    derived: dict[str, Derived] = field(default_factory=dict)
    # Mapped fields an export may leave out (they load blank); any other mapped column missing
    # from the header row fails the batch.
    optional_columns: frozenset[str] = frozenset()
    encoding: str = "auto"
    delimiter: str | None = None  # None: detected from the header row
    # The sheet to read; "*" every sheet, or a list of sheets, of one layout, stacked.
    sheet: str | tuple[str, ...] | None = None
    # Spreadsheet row of the header when title rows sit above it (a listing report's name).
    header_row: int | None = None
    date_format: str = "%d/%m/%Y"
    timestamp_format: str = "%d/%m/%Y %H:%M"
    # Two-digit years (25) become 20yy below the pivot and 19yy from it; None rejects them.
    two_digit_year_pivot: int | None = None
    # Date field -> (earliest, latest) bounds where the mapping changes the canonical range.
    plausible_dates: dict[str, tuple[str, str]] = field(default_factory=dict)
    list_separator: str = ";"
    nulls: frozenset[str] = frozenset(DEFAULT_NULLS)
    true_values: frozenset[str] = frozenset(DEFAULT_TRUE)
    false_values: frozenset[str] = frozenset(DEFAULT_FALSE)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def source(self) -> str:
        return self.entity.source

    def matches(self, relative_path: str) -> bool:
        return any(Path(relative_path).match(pattern) for pattern in self.files)

    def read_columns(self) -> list[tuple[str, str]]:
        """Every (field, export column) the mapping reads from the header row."""
        pairs = list(self.columns.items())
        pairs += [(name, column) for name, columns in self.column_lists.items()
                  for column in columns]
        for name, rule in self.derived.items():
            pairs += [(name, rule.if_list)] + ([(name, rule.then)] if rule.then else [])
        return pairs

    def mapped_fields(self) -> set[str]:
        return {*self.columns, *self.column_lists, *self.constants, *self.derived}

    def describe_source(self, name: str) -> str | None:
        """Where a field's values come from, as a person reads it (None: not mapped)."""
        if name in self.columns:
            return self.columns[name]
        if name in self.column_lists:
            return " + ".join(self.column_lists[name])
        if name in self.constants:
            return "(constant)"
        if name in self.derived:
            rule = self.derived[name]
            return f"{rule.if_list} + {rule.then}" if rule.then else rule.if_list
        return None


def _fail(path: Path, message: str) -> MappingError:
    return MappingError(f"mapping {path}: {message}")


def parse_mapping(path: Path) -> Mapping:
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise _fail(path, f"cannot be read as YAML ({error})") from error
    if not isinstance(spec, dict):
        raise _fail(path, "must be a YAML mapping of keys to values")
    unknown = set(spec) - _KEYS
    if unknown:
        raise _fail(path, f"unknown keys {sorted(unknown)}; allowed: {sorted(_KEYS)}")

    source = spec.get("source")
    if source not in SOURCES:
        raise _fail(path, f"source {source!r} is not one of {sorted(SOURCES)}")
    entity_name = spec.get("entity") or (
        SOURCES[source][0].name if len(SOURCES[source]) == 1 else None)
    entity = ENTITIES.get(entity_name or "")
    if entity is None or entity.source != source:
        names = [e.name for e in SOURCES[source]]
        raise _fail(path, f"entity {entity_name!r} must be one of {names} for source {source}")

    files = spec.get("files")
    if isinstance(files, str):
        files = [files]
    if not files or not all(isinstance(pattern, str) for pattern in files):
        raise _fail(path, "`files` must list at least one glob relative to data/raw/")

    known = {f.name for f in entity.fields}
    columns, column_lists = {}, {}
    for canonical, column in (spec.get("columns") or {}).items():
        canonical = str(canonical)
        if canonical not in known:
            raise _fail(path, f"columns: {canonical!r} is not a field of {entity.name}; "
                              f"fields are {sorted(known)}")
        if isinstance(column, list):
            if entity.field(canonical).kind != LIST or not column:
                raise _fail(path, f"columns.{canonical}: several columns can be gathered only "
                                  "into a list field (subjects, sub_subjects, linked ids)")
            column_lists[canonical] = tuple(str(c) for c in column)
        else:
            columns[canonical] = str(column)
    constants = {str(k): str(v) for k, v in (spec.get("constants") or {}).items()}
    derived = _derived(path, spec.get("derived") or {}, known)
    for name in (*constants, *derived):
        if name not in known:
            raise _fail(path, f"{name!r} under constants/derived is not a field of "
                              f"{entity.name}; fields are {sorted(known)}")
    given = [*columns, *column_lists, *constants, *derived]
    twice = sorted({name for name in given if given.count(name) > 1})
    if twice:
        raise _fail(path, f"fields {twice} are given more than one way (columns, constants, "
                          "derived): keep one")
    missing_required = [name for name in entity.required if name not in given]
    if missing_required:
        raise _fail(path, f"columns: required fields {missing_required} are not mapped")
    # A field listed here and not under columns (a trust stopped mapping it) is harmless.
    optional = frozenset(spec.get("optional_columns") or ())
    if not optional <= known - set(entity.required):
        raise _fail(path, f"optional_columns: {sorted(optional - (known - set(entity.required)))}"
                          f" must be fields of {entity.name} that are not required")

    values: dict[str, dict[str, str | None]] = {}
    for canonical, table in (spec.get("values") or {}).items():
        if canonical not in known or entity.field(canonical).kind not in _VALUE_KINDS:
            raise _fail(path, f"values: {canonical!r} is not a field whose values can be "
                              "mapped (enum, yes/no, code or list fields)")
        allowed = set(entity.field(canonical).values)
        values[canonical] = {}
        for raw, target in (table or {}).items():
            target = str(target).lower() if isinstance(target, bool) else target
            target = None if target in (None, "") else str(target)  # mapped to blank
            if allowed and target is not None and target not in allowed:
                raise _fail(path, f"values.{canonical}: {raw!r} maps to {target!r}, "
                                  f"which is not one of {sorted(allowed)} (or blank: ~)")
            keys = _YAML_BOOLEAN_KEYS[raw] if isinstance(raw, bool) else (normalise(str(raw)),)
            values[canonical].update(dict.fromkeys(keys, target))

    encoding = spec.get("encoding", "auto")
    if encoding not in ENCODINGS:
        raise _fail(path, f"encoding {encoding!r} is not one of {ENCODINGS}")

    def lowered(key: str, default: tuple[str, ...]) -> frozenset[str]:
        return frozenset(normalise(str(v)) for v in spec.get(key, default))

    if spec.get("delimiter", "auto") not in DELIMITERS:
        raise _fail(path, f"delimiter {spec['delimiter']!r} is not one of {list(DELIMITERS)}")
    header_row = spec.get("header_row")
    if header_row is not None and (isinstance(header_row, bool) or not isinstance(header_row, int)
                                   or header_row < 1):
        raise _fail(path, "header_row must be the spreadsheet row number of the header (1 or "
                          "more); the rows above it are skipped")
    pivot = spec.get("two_digit_year_pivot")
    if pivot is not None and (isinstance(pivot, bool) or not isinstance(pivot, int)
                              or not 0 <= pivot <= 100):
        raise _fail(path, "two_digit_year_pivot must be a whole number 0..100 (e.g. 70: "
                          "00-69 are 2000-2069, 70-99 are 1970-1999)")
    date_format = spec.get("date_format", "%d/%m/%Y")
    timestamp_format = spec.get("timestamp_format", "%d/%m/%Y %H:%M")
    for key, value in (("date_format", date_format), ("timestamp_format", timestamp_format)):
        if "%y" in value and pivot is None:
            raise _fail(path, f"{key} {value!r} has a two-digit year (%y): add "
                              "two_digit_year_pivot (e.g. 70) so 25 reads as 2025 and 75 as "
                              "1975, or export four-digit years and use %Y")

    return Mapping(
        path=path,
        entity=entity,
        files=tuple(files),
        columns=columns,
        values=values,
        template=bool(spec.get("template", False)),
        column_lists=column_lists,
        constants=constants,
        derived=derived,
        optional_columns=optional,
        encoding=encoding,
        delimiter=DELIMITERS[spec.get("delimiter", "auto")],
        sheet=tuple(spec["sheet"]) if isinstance(spec.get("sheet"), list) else spec.get("sheet"),
        header_row=header_row,
        date_format=date_format,
        timestamp_format=timestamp_format,
        two_digit_year_pivot=pivot,
        plausible_dates=_plausible_dates(path, entity, spec.get("plausible_dates") or {}),
        list_separator=spec.get("list_separator", ";"),
        nulls=frozenset(DEFAULT_NULLS) | lowered("nulls", ()),
        true_values=lowered("true_values", DEFAULT_TRUE),
        false_values=lowered("false_values", DEFAULT_FALSE),
    )


def _derived(path: Path, spec: dict, known: set[str]) -> dict[str, Derived]:
    """`derived: {problem_medication: {if_list: Problem Types, contains: Medication,
    then: Problem Led to Harm, else: none}}`."""
    rules = {}
    for name, rule in spec.items():
        if not isinstance(rule, dict) or set(rule) - _DERIVED_KEYS \
                or not {"if_list", "contains"} <= set(rule) \
                or ("then" in rule) == ("then_value" in rule):
            raise _fail(path, f"derived.{name} must give if_list (a column holding a list), "
                              "contains (a value of that list), then (a column) or then_value "
                              "(a constant), and optionally else (a constant)")
        rules[str(name)] = Derived(str(rule["if_list"]), str(_text(rule, "contains")),
                                   _text(rule, "then"), _text(rule, "then_value"),
                                   _text(rule, "else"))
    return rules


def _text(rule: dict, key: str) -> str | None:
    value = rule.get(key)
    return None if value in (None, "") else (
        _YAML_BOOLEAN_KEYS[value][0] if isinstance(value, bool) else str(value))


def _plausible_dates(path: Path, entity: Entity, spec: dict) -> dict[str, tuple[str, str]]:
    """`plausible_dates: {field: {earliest: 2005-01-01, latest: today+2 years}}`; a bound left
    out keeps the canonical one."""
    ranges = {}
    for name, bounds in spec.items():
        if name not in {f.name for f in entity.fields if f.kind in (DATE, TIMESTAMP)}:
            raise _fail(path, f"plausible_dates: {name!r} is not a date field of {entity.name}")
        if not isinstance(bounds, dict) or set(bounds) - {"earliest", "latest"}:
            raise _fail(path, f"plausible_dates.{name} must be a mapping with earliest and/or "
                              "latest")
        earliest, latest = default_range(entity.field(name))
        try:
            ranges[name] = (check_bound(bounds.get("earliest", earliest)),
                            check_bound(bounds.get("latest", latest)))
        except BoundError as error:
            raise _fail(path, f"plausible_dates.{name}: {error}") from None
    return ranges


@functools.lru_cache(maxsize=256)
def _parsed(path: Path, _content: bytes) -> Mapping:
    """A mapping file parsed once per content: each of a refresh's loads asks for every
    mapping, and parsing a trust's dozen took 0.1 s a time."""
    return parse_mapping(path)


def load_mappings(directory: Path) -> list[Mapping]:
    paths = sorted(directory.glob("*.yml")) + sorted(directory.glob("*.yaml"))
    if not paths:
        raise MappingError(f"no mapping files (*.yml) in {directory}")
    mappings = [_parsed(path, path.read_bytes()) for path in paths]
    for mapping in mappings:
        if mapping.template:
            raise _fail(mapping.path, "is a template (`template: true`): a template only shows "
                                      "a layout; copy it into your profile's mappings/, point "
                                      "`files` at your exports and delete the `template` line "
                                      "(or run `triangulate onboard`)")
    return mappings


def files_for_source(raw_dir: Path, mappings: list[Mapping],
                     source: str) -> list[tuple[Path, Mapping]]:
    """Pair every export file in `raw_dir/<source>/` with the mapping(s) that read it.

    A file may be read by several mappings only for different entities (three sheets of one
    audit workbook); a file no mapping reads is an error rather than silently ignored.
    """
    pairs, problems = pair_files(raw_dir, mappings, source)
    if problems:
        raise problems[0]
    return pairs


# Files that sit among exports without being one: hidden files, the owner file Excel writes
# beside a workbook someone has open on the share ("~$complaints.xlsx"), and the indexes
# Windows and macOS leave in folders.
_NOT_EXPORTS = ("Thumbs.db", "desktop.ini")


def is_export_file(path: Path) -> bool:
    return not path.name.startswith((".", "~$")) and path.name not in _NOT_EXPORTS


# How a copy of a file is named beside it: Windows "a - Copy.csv" and "a - Copy (2).csv", a
# second download "a (1).csv", macOS "a copy.csv" and "a copy 2.csv", Office "Copy of a.csv".
_COPY_NAME = re.compile(
    r"^(?:copy of )?(?P<original>.+?)(?: - copy(?: \(\d+\))?| \(\d+\)| copy(?: \d+)?)?$",
    re.IGNORECASE)


def export_order(path: Path) -> tuple[Path, bool, str]:
    """The order a source's files are read in: by name, each copy right after the file it
    copies. The loader keeps the first of rows repeated across files and rejects the others
    as its duplicates; by name alone "a - Copy.csv" comes before "a.csv", and the export
    itself was listed as the copy's duplicate."""
    original = _COPY_NAME.match(path.stem)["original"]
    return path.with_name(original + path.suffix), original != path.stem, path.name


def pair_files(raw_dir: Path, mappings: list[Mapping], source: str
               ) -> tuple[list[tuple[Path, Mapping]], list[MappingError]]:
    """files_for_source's pairs, and every file it would refuse (`triangulate check` lists
    them all)."""
    source_mappings = [m for m in mappings if m.source == source]
    folder = raw_dir / source
    pairs: list[tuple[Path, Mapping]] = []
    problems: list[MappingError] = []
    if not folder.is_dir():
        return pairs, problems
    # A link whose target is gone (an unmounted share) is an export that cannot be read, not
    # one to skip in silence; nor is a named pipe, which would hang the reader.
    for path in sorted((p for p in folder.rglob("*")
                        if (p.is_symlink() or not p.is_dir()) and is_export_file(p)),
                       key=export_order):
        relative = path.relative_to(raw_dir).as_posix()
        if path.exists() and not path.is_file():
            problems.append(MappingError(
                f"file {path}: is not a regular file (a named pipe, socket or device), so it "
                "cannot be read as an export; replace it with the export file"))
            continue
        matched = [m for m in source_mappings if m.matches(relative)]
        if not matched:
            problems.append(MappingError(
                f"file {path}: no mapping in the mappings folder reads it (source {source}); "
                "add its name to a mapping's `files` or move it out of data/raw/"))
            continue
        entities = [m.entity.name for m in matched]
        if len(set(entities)) != len(entities):
            names = [m.name for m in matched]
            problems.append(MappingError(f"file {path}: matched by several mappings {names} "
                                         "for the same entity; make their `files` globs "
                                         "distinct"))
            continue
        pairs.extend((path, m) for m in matched)
    return pairs, problems
