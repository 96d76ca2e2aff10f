"""theme_spc, the published SPC mart, judged against pipelines.spc and the planted scenario."""

from __future__ import annotations

import math

from pipelines.spc import xmr

SERIES = "theme_id = ? and unit_level = ? and unit_id = ? and source = ?"


def _sample_series(workspace) -> list[tuple]:
    """The two busiest charted series of each unit level and source, plus every series of
    each planted problem's theme at its unit."""
    busiest = workspace.query(
        "select theme_id, unit_level, unit_id, source from ("
        "  select theme_id, unit_level, unit_id, source, row_number() over ("
        "    partition by unit_level, source order by sum(record_count) desc, theme_id, unit_id"
        "  ) as rank"
        "  from theme_spc where point_type is not null"
        "  group by theme_id, unit_level, unit_id, source"
        ") where rank <= 2 order by all")
    return busiest


def _planted_series(workspace, truth) -> list[tuple]:
    return [
        row
        for problem in truth["problems"]
        for row in workspace.query(
            "select distinct theme_id, unit_level, unit_id, source from theme_spc "
            "where theme_id = ? and unit_level = ? and unit_id = ? order by all",
            [problem["theme"], problem["unit"]["level"], problem["unit"]["value"]])
    ]


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=0, abs_tol=1e-9)


def _expected(counts: list[int]) -> list[dict]:
    """What theme_spc should hold for a charted series: pipelines.spc's XmR chart, then the
    rare-event rule (no limits, no special cause) or the floor rule (no improvement)."""
    import polars as pl

    from pipelines.spc.rare_events import is_rare, no_improvement_at_floor

    chart = xmr(counts, improvement="decrease").with_columns(series=pl.lit(1))
    if is_rare(counts):
        return [{**row, "lpl": None, "upl": None, "special_cause_rule": None,
                 "point_type": "common_cause", "variation_icon": None, "method": "rare_event"}
                for row in chart.iter_rows(named=True)]
    return [{**row, "method": "xmr"}
            for row in no_improvement_at_floor(chart, ["series"]).iter_rows(named=True)]


def test_theme_spc_is_pipelines_spc_on_its_own_counts(refreshed):
    workspace, truth = refreshed
    series = _sample_series(workspace) + _planted_series(workspace, truth)
    assert len(series) >= 10
    charted, methods = 0, set()
    for key in series:
        rows = workspace.query(
            "select record_count, mean, lpl, upl, special_cause_rule, point_type, "
            f"variation_icon, spc_method from theme_spc where {SERIES} order by month",
            list(key))
        if rows[0][5] is None:  # a series too short for limits: nothing to compare
            assert rows[0][7] is None
            continue
        charted += 1
        for row, want in zip(rows, _expected([row[0] for row in rows]), strict=True):
            _, mean, lpl, upl, rule, point_type, icon, method = row
            assert _same(mean, want["mean"]), key
            assert _same(lpl, want["lpl"]), key
            assert _same(upl, want["upl"]), key
            assert (rule, point_type, icon, method) == (
                want["special_cause_rule"], want["point_type"], want["variation_icon"],
                want["method"]), key
            methods.add(method)
    assert charted >= 10
    assert methods == {"xmr", "rare_event"}  # the small demo trust has both kinds


def test_no_rare_or_floor_series_shows_improvement_on_zero_months(refreshed):
    """The issue's case: a run of quiet months is never special-cause improvement."""
    workspace, _ = refreshed
    assert workspace.query(
        "select count(*) from theme_spc where point_type = 'special_cause_improvement' "
        "and (spc_method = 'rare_event' or record_count = 0 and lpl < 1)") == [(0,)]
    [(rare,)] = workspace.query("select count(distinct (theme_id, unit_level, unit_id, "
                                "source)) from theme_spc where spc_method = 'rare_event'")
    assert rare > 0


def test_every_series_is_a_gap_free_run_of_months(refreshed):
    workspace, _ = refreshed
    broken = workspace.query(
        "select theme_id, unit_level, unit_id, source from theme_spc "
        "group by theme_id, unit_level, unit_id, source "
        "having count(*) <> any_value(series_months) or count(distinct month) <> count(*) "
        "or date_diff('month', min(month), max(month)) + 1 <> count(*)")
    assert broken == []
    # Zero months are rows, not gaps: the demo trust has quiet months for most series.
    [(zeros,)] = workspace.query("select count(*) from theme_spc where record_count = 0")
    assert zeros > 0


def test_planted_problems_show_special_cause_concern_in_their_window(refreshed):
    """Each planted problem shows concern in its window in at least one planted source,
    unless a planted source's series there is too sparse to judge (rare_event: the small test
    trust has about one record a month at a ward or even a directorate, and the rule
    withholds that evidence; on the scale-1 demo trust every planted problem shows concern in
    its incidents chart)."""
    workspace, truth = refreshed
    for problem in truth["problems"]:
        unit = [problem["theme"], problem["unit"]["level"], problem["unit"]["value"]]
        concerned = {source for (source,) in workspace.query(
            "select distinct source from theme_spc where theme_id = ? and unit_level = ? "
            "and unit_id = ? and source <> 'all' and point_type = 'special_cause_concern' "
            "and month between ? and ?",
            [*unit, problem["window"]["start"][:8] + "01", problem["window"]["end"]])}
        rare = {source for (source,) in workspace.query(
            "select distinct source from theme_spc where theme_id = ? and unit_level = ? "
            "and unit_id = ? and spc_method = 'rare_event'", unit)}
        planted = set(problem["sources"])
        assert concerned & planted or planted & rare, (problem["name"], concerned, rare)


def _spc_model():
    import importlib.util

    from pipelines.spc.chart_memo import MODEL

    spec = importlib.util.spec_from_file_location("theme_spc_model", MODEL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Dbt:
    """What theme_spc's model reads of dbt: its refs (tables of one DuckDB connection) and
    the minimum points for limits."""

    def __init__(self, con, min_points: int = 12) -> None:
        self.con, self.min_points = con, min_points
        self.config = self._config(min_points)

    @staticmethod
    def _config(min_points: int):
        class Config:
            def __call__(self, **_):
                pass

            def get(self, name):
                return {"spc_min_points": min_points}[name]
        return Config()

    def ref(self, name: str):
        return self.con.table(name)


def test_a_series_with_the_same_months_keeps_its_chart_and_a_changed_one_is_charted_again(
        tmp_path):
    """theme_spc charts again only the series whose months changed (pipelines.spc.chart_memo):
    a kept chart altered by hand stays as long as its series' months do, and a series with one
    month changed is charted as a warehouse without kept charts charts it."""
    import duckdb

    from pipelines.spc.chart_memo import TABLE

    model = _spc_model()
    def series(unit: str, counts: list[int]) -> list[tuple]:
        return [("falls", "ward", unit, "incidents", f"{2025 + i // 12}-{i % 12 + 1:02d}-01",
                 count) for i, count in enumerate(counts)]

    months = (series("A", [3, 5, 2, 4, 6, 3, 2, 5, 4, 3, 6, 2, 9, 4])
              + series("B", [1, 2, 1, 3, 2, 1, 2, 2, 1, 3, 2, 1]))

    def warehouse(path, rows):
        con = duckdb.connect(str(path))
        con.execute("create table int_theme_unit_months_filled (theme_id varchar, unit_level "
                    "varchar, unit_id varchar, source varchar, month date, record_count bigint, "
                    "unit_name varchar, directorate varchar)")
        con.executemany("insert into int_theme_unit_months_filled values "
                        "(?, ?, ?, ?, ?, ?, 'Ward', 'Medicine')", rows)
        con.execute("create table int_unit_month_denominators (unit_level varchar, unit_id "
                    "varchar, month date, denominator bigint, rate_unit varchar)")
        con.execute("create table themes as select 'falls' as theme_id, 'Falls' as theme_name")
        return con

    def charts(con, min_points=12):
        charted = model.model(_Dbt(con, min_points), con)
        # In series order, kept charts or not (a file read in order reads the same).
        assert charted.equals(charted.sort("theme_id", "unit_level", "unit_id", "source",
                                           "month"))
        return charted

    con = warehouse(tmp_path / "kept.duckdb", months)
    first = charts(con)
    assert first.filter(unit_id="B")["mean"].null_count() == 0  # 12 months: charted
    con.execute(f"update {TABLE} set mean = -1 where unit_id = 'B'")
    changed = [(*row[:5], row[5] + 7) if row[2] == "A" and row[4] == "2025-06-01" else row
               for row in months]
    con.execute("delete from int_theme_unit_months_filled")
    con.executemany("insert into int_theme_unit_months_filled values "
                    "(?, ?, ?, ?, ?, ?, 'Ward', 'Medicine')", changed)

    second = charts(con)

    assert set(second.filter(unit_id="B")["mean"]) == {-1}  # kept, not charted again
    fresh = charts(warehouse(tmp_path / "fresh.duckdb", changed))
    assert second.filter(unit_id="A").equals(fresh.filter(unit_id="A"))
    assert not second.filter(unit_id="A").equals(first.filter(unit_id="A"))
    assert con.execute(f"select count(*) from {TABLE}").fetchone() == (len(months),)
    # Another minimum of points for limits charts every series again.
    assert charts(con, min_points=13).filter(unit_id="B").equals(
        charts(warehouse(tmp_path / "fresh13.duckdb", changed), min_points=13).filter(
            unit_id="B"))


def test_a_refresh_mid_month_charts_complete_months_and_still_reconciles(
        refreshed_copy, monkeypatch, tmp_path):
    """As of 15 October with October's records loaded, as every night but a month's last is:
    theme_spc ends with September (October so far would read as a fall), and its
    reconciliation with theme_counts, which counts October's records too, passes, so the
    night publishes."""
    import duckdb
    from conftest import run_dbt

    monkeypatch.setenv("TRIANGULATE_AS_OF_DATE", "2026-10-15")
    build = run_dbt(["build", "--select", "int_theme_unit_months_filled+",
                     "--exclude-resource-type", "unit_test"], tmp_path)
    assert build.returncode == 0, build.stdout[-3000:]
    assert "assert_theme_spc_counts_match_theme_counts" in build.stdout
    con = duckdb.connect(str(refreshed_copy.warehouse), read_only=True)
    [(charted,)] = con.execute("select max(month) from marts.theme_spc").fetchall()
    [(october,)] = con.execute("select sum(record_count) from marts.theme_counts "
                               "where month = '2026-10-01'").fetchall()
    assert charted.isoformat() == "2026-09-01" and october > 0
