"""PSIRF national requirements (case-level) and the board export, on the refreshed demo trust."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import stat
from collections import defaultdict

import duckdb
import polars as pl

from pipelines.lib.board_export import board_export
from pipelines.lib.publishing import MARTS
from pipelines.lib.reporting_period import add_months, month_end
from pipelines.report import render_pack

# The generator's kinds of national-requirement event -> the mart's requirement codes.
REQUIREMENT_OF_KIND = {
    "never_event": "never_event",
    "avoidable_death": "avoidable_death",
    "mental_health_act_death": "mha_mca_death",
    "mnsi_referral": "maternity_mnsi",
    "child_death": "child_death",
    "learning_disability_death": "learning_disability_death",
    "safeguarding": "safeguarding",
}
# The criteria are read from incidents and SJRs; an inquest can follow a planted event but
# is not itself a record of the requirement.
SOURCES = ("incidents", "sjr")
REQUIREMENTS = set(REQUIREMENT_OF_KIND.values())


def national_rows(workspace) -> dict[tuple[str, str], set[str]]:
    """(source, record_id) -> the requirements the mart lists it under."""
    found = defaultdict(set)
    for requirement, source, record_id in workspace.query(
            "select requirement, source, record_id from psirp_national_requirements",
            file=workspace.case_level):
        found[(source, record_id)].add(requirement)
    return found


def test_every_planted_national_event_is_listed_with_its_requirement(scenario_trust):
    workspace, truth, _ = scenario_trust
    found = national_rows(workspace)
    planted = truth["national_requirements"]["planted"]
    assert {REQUIREMENT_OF_KIND[e["kind"]] for e in planted} >= REQUIREMENTS - {
        "avoidable_death"}
    checked = 0
    for event in planted:
        requirement = REQUIREMENT_OF_KIND[event["kind"]]
        for source, ids in event["records"].items():
            if source not in SOURCES:
                continue
            for record_id in ids:
                assert requirement in found[(source, record_id)], (event, record_id)
                checked += 1
    assert checked >= len(planted)


def test_every_record_meeting_a_requirement_is_listed(refreshed):
    workspace, truth = refreshed
    found = national_rows(workspace)
    expected = set()
    for kind, by_source in truth["national_requirements"]["all_records"].items():
        requirement = REQUIREMENT_OF_KIND[kind]
        for source in SOURCES:
            for record_id in by_source.get(source, []):
                assert requirement in found[(source, record_id)], (kind, source, record_id)
                expected.add((requirement, source, record_id))
    listed = {(r, s, i) for (s, i), rs in found.items() for r in rs}
    # And nothing else: the mart's rules are the generator's criteria.
    assert listed == expected


def test_summary_counts_match_the_case_level_rows(refreshed):
    workspace, _ = refreshed
    rows = dict(workspace.query(
        "select requirement, count(*) from psirp_national_requirements group by all",
        file=workspace.case_level))
    summary = dict(workspace.query(
        "select requirement, sum(events) from psirp_national_requirements_summary group by all"))
    assert set(summary) == REQUIREMENTS
    assert {r: summary[r] for r in rows} == rows
    assert all(summary[r] == 0 for r in REQUIREMENTS - set(rows))
    # Referrals are never recorded as done: the exports hold no referral field.
    assert workspace.query(
        "select count(*) from psirp_national_requirements "
        "where required_response <> 'Local PSII' and response_status <> 'not_recorded'",
        file=workspace.case_level) == [(0,)]


def _cells(frame: pl.DataFrame, columns: list[str]) -> list[list[str]]:
    return [[str(v) for v in row] for row in frame.select(columns).rows()]


def test_board_export_suppresses_small_numbers(refreshed, tmp_path):
    workspace, _ = refreshed
    export = board_export(workspace.published, tmp_path / "board")
    hidden_somewhere = False
    # The theme table has no totals (so only counts of 1-4 are hidden); the national
    # requirements table has row and column totals (so secondary suppression applies).
    themes = pl.read_csv(export.files["theme_source_counts"], infer_schema=False)
    assert "total" not in themes.columns and "Total" not in themes["theme"].to_list()
    sources = ["incidents", "complaints", "fft", "inquests", "sjr"]
    national = pl.read_csv(export.files["national_requirements"], infer_schema=False)
    for name, grid in (("theme_source_counts", _cells(themes, sources)),
                       ("national_requirements", _cells(
                           national, ["done", "outstanding", "not_recorded", "events"]))):
        assert len(grid) > 1
        for row in grid:
            for cell in row:
                # No count of 1 to 4 is shown (blank: a requirement not measurable).
                assert cell in ("*", "None") or int(cell) == 0 or int(cell) >= 5, (name, row)
                hidden_somewhere |= cell == "*"
    grid = _cells(national, ["done", "outstanding", "not_recorded", "events"])
    lines = [*grid, *([row[j] for row in grid] for j in range(4))]  # rows, then columns
    for line in lines:
        # A single hidden term in a row or column could be recovered as the total minus
        # the shown cells.
        assert sum(cell == "*" for cell in line) != 1, line
    # Only the small counts themselves are hidden in the theme table: what it reports.
    small = sum(cell == "*" for row in _cells(themes, sources) for cell in row)
    assert export.suppressed["theme_source_counts"] == (small, themes.height * len(sources))
    # The demo's small trust has small numbers: the test exercised suppression.
    assert hidden_somewhere
    notes = export.files["notes"].read_text(encoding="utf-8")
    assert notes.startswith("Triangulate board")
    assert f"{small} of {themes.height * len(sources)} counts hidden" in notes


def test_board_export_shown_counts_are_the_marts(refreshed, tmp_path):
    workspace, _ = refreshed
    export = board_export(workspace.published, tmp_path / "board")
    first, last = export.periods["theme_source_counts"]
    with duckdb.connect(str(workspace.published), read_only=True) as con:
        truth = dict(con.execute(
            "select theme_name || '|' || source, sum(record_count) from theme_counts "
            "where month between ? and ? group by all", [first, last]).fetchall())
    frame = pl.read_csv(export.files["theme_source_counts"], infer_schema=False)
    for row in frame.filter(pl.col("theme") != "Total").iter_rows(named=True):
        for source in ("incidents", "complaints", "fft", "inquests", "sjr"):
            if row[source] != "*":
                assert int(row[source]) == truth.get(f"{row['theme']}|{source}", 0)


def _mid_quarter_as_of(truth) -> tuple[dt.date, dt.date]:
    """An as-of date whose reporting month opens a quarter whose later two months hold data:
    (the as-of date, the reporting month)."""
    end = dt.date.fromisoformat(truth["generator"]["end_date"])
    month = add_months(end.replace(day=1), -3)
    while month.month not in (1, 4, 7, 10):
        month = add_months(month, -1)
    return add_months(month, 1) + dt.timedelta(days=5), month


def _case_counts(workspace, first: dt.date, last: dt.date) -> dict[str, int]:
    return dict(workspace.query(
        "select requirement, count(*) from psirp_national_requirements "
        "where event_date between ? and ? group by all", [first, last],
        file=workspace.case_level))


def test_national_requirements_count_to_the_end_of_the_reporting_month_not_the_quarter(
        refreshed, tmp_path, monkeypatch):
    """A figure labelled "to the end of <month>" counts no event after that month, even
    where the month's quarter (or the as-of date's month) has begun: the board CSV, the
    pack's "National requirements this quarter" and its PSIRP draft."""
    workspace, truth = refreshed
    as_of, month = _mid_quarter_as_of(truth)
    quarter_end = month_end(add_months(month, 2))
    first = add_months(month, -9)
    # The test needs events after the reporting month in its quarter, or it proves nothing.
    later = _case_counts(workspace, add_months(month, 1), quarter_end)
    assert sum(later.values()) > 0
    year = _case_counts(workspace, first, month_end(month))
    names = dict(workspace.query(
        "select distinct requirement, requirement_name from psirp_national_requirements_summary"))

    export = board_export(workspace.published, tmp_path / "board", as_of=as_of)
    board = pl.read_csv(export.files["national_requirements"], infer_schema=False)
    assert export.periods["national_requirements"] == (first, month_end(month))
    events = dict(board.select("requirement", "events").rows())
    for requirement, name in names.items():
        n = year.get(requirement, 0)
        assert events[name] == ("*" if 1 <= n <= 4 else str(n)), (name, events[name], n)
    notes = export.files["notes"].read_text(encoding="utf-8")
    assert f"board_national_requirements.csv: {first} to {month_end(month)}" in notes

    monkeypatch.setenv("TRIANGULATE_AS_OF_DATE", as_of.isoformat())
    page = render_pack(workspace.marts)
    summary = " ".join(re.sub(r"<[^>]+>", " ", page[page.index(
        "National requirements this quarter"):page.index("What changed")]).split())
    assert f"to the end of {month:%B}" in summary
    this_quarter = _case_counts(workspace, month, month_end(month))
    for requirement, n in this_quarter.items():
        # Requirement, required response, done, outstanding, not recorded, events.
        assert re.search(rf"{re.escape(names[requirement])} [^0-9]*?"
                         rf"\d+ \d+ \d+ {n} yes", summary), (requirement, n, summary)
    draft = " ".join(re.sub(r"<[^>]+>", " ", page[page.index(
        "<h3>National requirements</h3>"):page.index("<h3>Local focus")]).split())
    assert f"from {first:%b %Y} to {month:%b %Y}" in draft
    total = sum(year.values())
    assert re.search(rf"Total [^0-9]*\d+ \d+ \d+ {total} ", draft), (total, draft)


def test_board_export_says_a_requirement_cannot_be_measured_never_0(refreshed, tmp_path):
    """A requirement the exports cannot measure, where none were found, has blank counts
    and says why in the CSV, and the notes say what blank means there."""
    workspace, _ = refreshed
    marts = tmp_path / "marts"
    shutil.copytree(workspace.marts, marts)
    for path in marts.rglob("*"):
        path.chmod(path.stat().st_mode | stat.S_IWUSR)
    with duckdb.connect(str(marts / MARTS.file)) as con:
        con.execute(
            "update psirp_national_requirements_summary set measurability = 'not_measurable', "
            "measurability_gaps = 'incidents.is_safeguarding is not in the export', "
            "events = 0, done = 0, outstanding = 0, not_recorded = 0, "
            "events_reported = 'not measurable' where requirement = 'safeguarding'")
    export = board_export(marts / MARTS.file, tmp_path / "board")
    board = pl.read_csv(export.files["national_requirements"], infer_schema=False)
    [row] = board.filter(pl.col("requirement") == "Safeguarding incident").rows(named=True)
    assert [row[c] for c in ("done", "outstanding", "not_recorded", "events")] == [None] * 4
    assert row["measurability"] == "not measurable"
    assert row["measurability_gaps"] == "incidents.is_safeguarding is not in the export"
    measured = board.filter(pl.col("requirement").is_in(["Never Event", "Total"]))
    assert measured["events"].null_count() == 0
    assert measured.filter(pl.col("requirement") == "Never Event")["measurability"].to_list() \
        == ["measurable"]
    notes = " ".join(export.files["notes"].read_text(encoding="utf-8").split())
    assert "where none were found its counts are blank, never 0" in notes
