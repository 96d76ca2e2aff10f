"""The last guard before anything is published: no patient identifier leaves in a file.

Every value of every text column (and of text inside lists and structs) of a database about
to be published is read, none sampled, and what `identifiers.redact` finds is replaced by its
marker. What was redacted is counted per table, column and kind in the table
`identifier_redactions` of the same file (no values, only counts), so the refresh reports it
and one identifier typed into a ward name does not stop the night's publication. A trust that
prefers the night to stop sets `TRIANGULATE_IDENTIFIER_POLICY=refuse`: then the publication
fails, naming the table, column and kind, and the published files stay as they were.

The insight pack's HTML goes through the same check (`guard_html`) before it is written; the
Parquet copies are written from the guarded database.
"""

from __future__ import annotations

import logging
import os
import re
from collections import Counter
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import duckdb

from pipelines.lib import quiet_duckdb
from pipelines.lib.errors import UserFacingError
from pipelines.lib.identifiers import KINDS, SQL_MAY_HOLD_IDENTIFIER, redact

POLICY_VARIABLE = "TRIANGULATE_IDENTIFIER_POLICY"
POLICIES = ("redact", "refuse")
REPORT_TABLE = "identifier_redactions"
# Column types whose values can hold text: VARCHAR itself, and lists, structs, maps and unions
# that contain one. ENUMs are fixed value lists chosen by the pipeline, not typed by staff.
_TEXT_TYPE = re.compile(r"\bVARCHAR\b")

log = logging.getLogger(__name__)


class IdentifiableDataError(UserFacingError):
    """Something about to be published looks like a patient identifier, and the trust's
    policy is to refuse rather than redact."""


def identifier_policy() -> str:
    """`redact` (default) or `refuse`, read when called so a trust can change it any night."""
    policy = os.environ.get(POLICY_VARIABLE, "redact").strip().lower() or "redact"
    if policy not in POLICIES:
        raise ValueError(f"{POLICY_VARIABLE}={policy!r}: expected one of {', '.join(POLICIES)}")
    return policy


@dataclass(frozen=True)
class Redaction:
    table: str
    column: str
    kind: str
    values: int  # distinct values holding this kind
    cells: int  # rows changed


def guard_database(con: duckdb.DuckDBPyConnection, tables: dict[str, int],
                   policy: str | None = None) -> dict[str, int]:
    """Redact identifiers in every text value of `tables` (schema main of the current
    database), record what was redacted in `identifier_redactions`, and return that table
    and its row count, to be published beside the others. Raises IdentifiableDataError
    instead, before changing anything, when the policy is `refuse` and something is found."""
    policy = policy or identifier_policy()
    columns = con.execute(
        "select table_name, column_name, data_type from duckdb_columns() "
        "where database_name = current_database() and schema_name = 'main' "
        "order by table_name, column_index").fetchall()
    text_columns: dict[str, list[str]] = {}
    nested = []
    for table, column, data_type in columns:
        if table in tables and _TEXT_TYPE.search(data_type):
            if data_type == "VARCHAR":
                text_columns.setdefault(table, []).append(column)
            else:
                nested.append((table, column))
    plans = [plan for table, names in text_columns.items()
             for plan in _plan_text_columns(con, table, names)]
    plans += [_plan_nested_column(con, table, column) for table, column in nested]
    plans = [plan for plan in plans if plan.changes]
    if plans and policy == "refuse":
        found = "; ".join(f"{p.table}.{p.column} ({', '.join(sorted(p.kinds))})" for p in plans)
        raise IdentifiableDataError(
            f"refusing to publish ({POLICY_VARIABLE}=refuse): what looks like a patient "
            f"identifier is in {found}; find the rows in the exports and correct them")
    redactions = [r for plan in plans for r in plan.apply(con)]
    con.execute(f"create or replace table main.{REPORT_TABLE} (table_name varchar, "
                "column_name varchar, identifier_kind varchar, n_values bigint, "
                "n_cells bigint)")
    if redactions:
        con.executemany(f"insert into main.{REPORT_TABLE} values (?, ?, ?, ?, ?)",
                        [(r.table, r.column, r.kind, r.values, r.cells) for r in redactions])
        log.warning("identifiers redacted before publishing: %s", "; ".join(
            f"{r.table}.{r.column} {r.kind} x{r.cells}" for r in redactions))
    return {REPORT_TABLE: len(redactions)}


def redactions_in(published: Path) -> list[Redaction]:
    """What the guard redacted in a published file (its `identifier_redactions` table)."""
    with quiet_duckdb.connect(str(published), read_only=True) as con:
        return [Redaction(*row) for row in con.execute(
            f"select table_name, column_name, identifier_kind, n_values, n_cells "
            f"from main.{REPORT_TABLE} order by all").fetchall()]


@dataclass
class _ColumnPlan:
    table: str
    column: str
    nested: bool
    changes: dict  # original value (or rowid for nested columns) -> (redacted value, kinds)

    @property
    def kinds(self) -> set[str]:
        return {k for _, kinds in self.changes.values() for k in kinds}

    def apply(self, con: duckdb.DuckDBPyConnection) -> list[Redaction]:
        target = f'main."{self.table}"'
        column = f'"{self.column}"'
        if self.nested:
            # DuckDB rewrites a row whose nested value changes, so rowids found before an
            # earlier column's update are stale: find the rows again now.
            self.changes = _plan_nested_column(con, self.table, self.column).changes
            con.executemany(f"update {target} set {column} = ? where rowid = ?",
                            [(new, rowid) for rowid, (new, _) in self.changes.items()])
            cells = Counter(k for _, kinds in self.changes.values() for k in kinds)
            values = cells
        else:
            con.execute("create or replace temp table _guard_changes "
                        "(original varchar, redacted varchar)")
            con.executemany("insert into _guard_changes values (?, ?)",
                            [(old, new) for old, (new, _) in self.changes.items()])
            rows = dict(con.execute(
                f"select original, count(*) from {target} join _guard_changes "
                f"on {column} = original group by original").fetchall())
            con.execute(f"update {target} set {column} = _guard_changes.redacted "
                        f"from _guard_changes where {target}.{column} = _guard_changes.original")
            con.execute("drop table _guard_changes")
            cells = Counter()
            values = Counter()
            for old, (_, kinds) in self.changes.items():
                for kind in kinds:
                    cells[kind] += rows.get(old, 0)
                    values[kind] += 1
        return [Redaction(self.table, self.column, kind, values[kind], cells[kind])
                for kind in KINDS if kind in cells]


def _plan_text_columns(con: duckdb.DuckDBPyConnection, table: str,
                       columns: list[str]) -> list[_ColumnPlan]:
    """A plan for each VARCHAR column of `table`, read in one query (one query per column
    cost about 5 ms each, most of the guard's time at a publish of 200 text columns). Filtered
    in DuckDB first: most values (record ids, dates, codes) could hold no identifier."""
    source = f'main."{table}"'
    query = " union all ".join(
        f'select distinct {number} as column_number, "{column}" as value from {source} '
        f'where regexp_matches("{column}", $1)' for number, column in enumerate(columns))
    changes: list[dict] = [{} for _ in columns]
    for number, value in con.execute(query, [SQL_MAY_HOLD_IDENTIFIER]).fetchall():
        result = redact(value)
        if result.kinds:
            changes[number][value] = (result.text, result.kinds)
    return [_ColumnPlan(table, column, False, found)
            for column, found in zip(columns, changes, strict=True)]


def _plan_nested_column(con: duckdb.DuckDBPyConnection, table: str,
                        column: str) -> _ColumnPlan:
    source = f'main."{table}"'
    changes = {}
    for rowid, value in con.execute(
            f'select rowid, "{column}" from {source} where "{column}" is not null').fetchall():
        kinds: list[str] = []
        new = _redact_nested(value, kinds)
        if kinds:
            changes[rowid] = (new, tuple(dict.fromkeys(kinds)))
    return _ColumnPlan(table, column, True, changes)


def _redact_nested(value, kinds: list[str]):
    if isinstance(value, str):
        result = redact(value)
        kinds.extend(result.kinds)
        return result.text
    if isinstance(value, list | tuple):
        return [_redact_nested(v, kinds) for v in value]
    if isinstance(value, dict):
        return {k: _redact_nested(v, kinds) for k, v in value.items()}
    return value


def guard_html(page: str, policy: str | None = None) -> str:
    """The page with every identifier in its visible text (and tooltips) redacted; raises
    IdentifiableDataError instead under the `refuse` policy, or if a finding cannot be
    redacted in place."""
    policy = policy or identifier_policy()
    found = _identifiers_in_html(page)
    if not found:
        return page
    kinds = sorted({k for _, ks in found for k in ks})
    if policy == "refuse":
        raise IdentifiableDataError(
            f"refusing to write the insight pack ({POLICY_VARIABLE}=refuse): it shows what "
            f"looks like a patient identifier ({', '.join(kinds)})")
    for text, _ in found:
        page = page.replace(escape(text, quote=False), escape(redact(text).text, quote=False))
        page = page.replace(escape(text), escape(redact(text).text))
    if _identifiers_in_html(page):
        raise IdentifiableDataError("the insight pack shows what looks like a patient "
                                    f"identifier ({', '.join(kinds)}) that could not be redacted")
    log.warning("identifiers redacted from the insight pack: %s", ", ".join(kinds))
    return page


class _VisibleText(HTMLParser):
    """Text a reader sees or hovers over: text nodes outside style/script, and titles."""

    ATTRIBUTES = ("title", "alt", "aria-label", "value", "placeholder")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self._skip += 1
        self.parts.extend(v for k, v in attrs if k in self.ATTRIBUTES and v)

    def handle_endtag(self, tag):
        if tag in ("style", "script") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def _identifiers_in_html(page: str) -> list[tuple[str, tuple[str, ...]]]:
    parser = _VisibleText()
    parser.feed(page)
    parser.close()
    found = {}
    for text in parser.parts:
        result = redact(text)
        if result.kinds:
            found[text] = result.kinds
    return list(found.items())
