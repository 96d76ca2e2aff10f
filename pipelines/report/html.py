"""Small HTML helpers for the insight pack: tables, notes, section wrappers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape

import polars as pl

from pipelines.lib.suppression import suppress

NOT_AVAILABLE = "not available in this refresh"
# A source the trust profile does not expect: its tables are empty, which is not "none".
NOT_SENT = ("This trust does not send {} (its profile does not expect it), so {} cannot be "
            "shown: no figure here says there are none.")


def fmt(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, dt.datetime):
        return value.strftime("%-d %b %Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%-d %b %Y")
    return str(value)


def month(value: dt.date | None) -> str:
    return value.strftime("%b %Y") if value else "–"


def details(summary: str, body: str, open_: bool = False) -> str:
    """A collapsed block: the summary line shows, the body opens on a click (and stays out
    of the printed paper unless opened)."""
    return (f"<details{' open' if open_ else ''}><summary>{escape(summary)}</summary>"
            f"{body}</details>")


def code(name: str) -> str:
    """A table or column name, set as code (the pack's words are otherwise plain English)."""
    return f"<code>{escape(name)}</code>"


def note(text: str, kind: str = "note") -> str:
    return f'<p class="{kind}">{escape(text)}</p>'


def missing(table: str) -> str:
    return (f'<p class="note missing">The <code>{escape(table)}</code> table is '
            f"{NOT_AVAILABLE}.</p>")


def section(anchor: str, title: str, intro: str, body: str) -> str:
    return (f'<section id="{anchor}"><h2>{escape(title)}</h2>'
            f'<p class="intro">{escape(intro)}</p>{body}</section>')


def _suppressed(rows: list[dict], columns: Sequence[tuple[str, str]], counts: Sequence[str],
                row_total: str | None, total_row: bool) -> list[dict]:
    """rows with counts 1-4 hidden and secondary suppression against the row total and the
    totals row (pipelines.lib.suppression, which also adds those totals)."""
    label = columns[0][0]
    frame = pl.DataFrame([{key: (str(r.get(key)) if key == label else r.get(key))
                           for key, _ in columns if key != row_total} for r in rows])
    return suppress(frame, counts, row_total=row_total, column_totals=total_row,
                    label_column=label).to_dicts()


def table(rows: Sequence[dict], columns: Sequence[tuple[str, str]], *, wide: bool = False,
          counts: Sequence[str] = (), row_total: str | None = None,
          total_row: bool = False, caption: str | None = None, empty: str = "None.",
          html_columns: Sequence[str] = ()) -> str:
    """rows as an HTML table of the given (key, header) columns.

    wide: suppress counts 1-4 in `counts`, with secondary suppression against row_total (the
    sum of `counts`) when given and the totals row. total_row: append a "Total" row summing
    `counts`. html_columns: columns whose values are HTML already (charts), not escaped.
    """
    if not rows:
        return f'<p class="note">{escape(empty)}</p>'
    rows = [dict(r) for r in rows]
    # A count no row holds is not measured (a field the exports do not carry): shown as
    # such, never summed or suppressed into a 0.
    unknown = [key for key in counts if all(r.get(key) is None for r in rows)]
    if wide and counts:
        rows = _suppressed(rows, columns, counts, row_total, total_row)
    elif total_row:
        total = {key: None for key, _ in columns}
        total[columns[0][0]] = "Total"
        for key in [*counts, *([row_total] if row_total else [])]:
            total[key] = sum(r[key] or 0 for r in rows)
        rows.append(total)
    for r in rows:
        r.update(dict.fromkeys(unknown))
    numeric = set(counts) | ({row_total} if row_total else set())
    head = "".join(f'<th scope="col">{escape(h)}</th>' for _, h in columns)
    body = []
    for r in rows:
        cells = []
        for key, _ in columns:
            value = r.get(key)
            cls = ' class="num"' if key in numeric or isinstance(value, int | float) else ""
            if isinstance(value, dt.date):
                cls = ' class="date"'
            if key in numeric and isinstance(value, str) and value.isdigit():
                value = int(value)  # suppression returns counts as text
            text = value if key in html_columns else escape(fmt(value))
            cells.append(f"<td{cls}>{text}</td>")
        css = ' class="total"' if total_row and r is rows[-1] else ""
        body.append(f"<tr{css}>{''.join(cells)}</tr>")
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    return (f'<div class="table-wrap"><table>{cap}<thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>")
