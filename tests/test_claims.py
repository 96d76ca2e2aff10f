"""Claims, the seventh source: what the marts, the case-level chain, the board export and the
pack show of the demo trust's claims register, and the shipped templates on a listing written
from NHS Resolution's documented layout (tests/data), not by the demo generator."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.lib.board_export import board_export
from pipelines.lib.claims_summary import scorecard_years, suppress_claims
from pipelines.lib.ingest import load_source
from pipelines.lib.mapping import load_mappings, parse_mapping
from pipelines.lib.profile import load_profile
from pipelines.lib.settings import DEMO_PROFILE_DIR, PROJECT_ROOT

REGISTER = "claims/claims_register.csv"
TEMPLATES = PROJECT_ROOT / "mappings" / "templates"
LISTING = Path(__file__).parent / "data" / "nhs_resolution_claims_listing.csv"
MONEY = {"damages_paid": "Damages Paid", "defence_costs": "Defence Costs",
         "claimant_costs": "Claimant Costs", "reserve": "Reserve"}


def _pounds(column: str) -> pl.Expr:
    return (pl.col(column).str.replace_all("[£,]", "").cast(pl.Float64).fill_null(0)
            .alias(column))


def _register_as_loaded(workspace, truth) -> pl.DataFrame:
    """The demo register read independently of the loader: the rows it must reject (the
    truth's bad rows) left out, each claim once (its last row)."""
    frame = pl.read_csv(workspace.raw / REGISTER, infer_schema=False)
    bad = {m["row"] for m in truth["messiness"]["bad_rows"] if m["file"] == REGISTER}
    frame = frame.with_row_index("row", offset=1).filter(~pl.col("row").is_in(list(bad)))
    frame = frame.unique(subset=["Claim Ref"], keep="last", maintain_order=True)
    return frame.with_columns(_pounds(header) for header in MONEY.values())


def test_the_demo_trust_includes_claims_and_accounts_for_every_row(refreshed):
    workspace, truth = refreshed
    [(read, loaded, rejected)] = workspace.query(
        "select rows_read, rows_loaded, rows_rejected from load_summary where file = ?",
        [REGISTER])
    assert read == pl.read_csv(workspace.raw / REGISTER, infer_schema=False).height
    assert read == loaded + rejected and loaded > 10
    reasons = workspace.query("select column_name, reason from rejected_rows where file = ?",
                              [REGISTER])
    assert ("notification_date", ) in {(c,) for c, _ in reasons}
    # The source is fresh and expected, and its fields are measured like any other's.
    [(state,)] = workspace.query("select state from source_freshness where source = 'claims'")
    assert state == "ok"
    coverage = dict(workspace.query(
        "select field, pct_filled from field_coverage where source = 'claims'"))
    assert coverage["notification_date"] == 100 and 0 < coverage["linked_incident_ids"] < 100


def test_claims_cost_totals_equal_the_register(refreshed):
    workspace, truth = refreshed
    register = _register_as_loaded(workspace, truth)
    [(claims, *money)] = workspace.query(
        "select sum(claims_notified), sum(damages_paid), sum(defence_costs), "
        "sum(claimant_costs), sum(reserve) from claims_cost where theme_id = 'all'")
    assert claims == register.height
    for (column, header), total in zip(MONEY.items(), money, strict=True):
        assert total == pytest.approx(register[header].sum(), abs=0.01), column
    states = dict(register.group_by("Status").len().iter_rows())
    [(open_, damages, nil)] = workspace.query(
        "select sum(claims_open), sum(claims_closed_with_damages), sum(claims_closed_nil) "
        "from claims_cost where theme_id = 'all'")
    assert (open_, damages, nil) == (states.get("Open", 0), states.get("Closed - damages paid", 0),
                                     states.get("Closed - nil", 0))
    # A theme's row never holds more than all claims: themes overlap, `all` counts once.
    [(themed,)] = workspace.query(
        "select max(claims_notified) from claims_cost where theme_id <> 'all'")
    assert themed <= claims


def test_a_planted_claims_signal_appears_at_its_unit(refreshed):
    workspace, truth = refreshed
    planted = [p for p in truth["problems"] if "claims" in p["sources"]]
    assert planted, "the default scenario plants claims"
    for problem in planted:
        unit = problem["unit"]
        [(by_incident, by_notification, sources, n_sources)] = workspace.query(
            "select claims_is_signalling, claims_notified_is_signalling, sources_signalling, "
            "n_sources_signalling from theme_signals where theme_id = ? and unit_level = ? "
            "and unit_id = ?", [problem["theme"], unit["level"], unit["value"]])
        assert by_incident or by_notification, problem["name"]
        # The two claims tests are one source: named once, counted once.
        assert sources.split(", ").count("claims") == 1
        assert "claims_notified" not in sources and n_sources <= 6
        [(listed,)] = workspace.query(
            "select sources_signalling from psirp_local_priorities where theme_id = ?",
            [problem["theme"]])
        assert "claims" in listed.split(", "), problem["name"]


def test_cost_is_evidence_beside_the_priorities_not_their_driver(refreshed):
    workspace, _ = refreshed
    rows = workspace.query(
        "select theme_id, directorate, directorate_theme_claims, "
        "directorate_theme_claims_value, rationale from psirp_local_priorities")
    evidence = {(t, d): (n, v) for t, d, n, v in workspace.query(
        "select theme_id, directorate, sum(claims_notified), sum(total_value) "
        "from claims_cost where theme_id <> 'all' group by all")}
    assert any(n for _, _, n, _, _ in rows), "some priority should have claims"
    for theme, directorate, n, value, rationale in rows:
        expected_n, expected_value = evidence.get((theme, directorate), (0, 0))
        assert (n, value) == (expected_n, pytest.approx(expected_value, abs=0.01))
        assert ("claim" in rationale) == (n > 0), rationale
    # Re-ranking by cost is not what the mart does: its order is the signal's.
    ranks = [r for (r,) in workspace.query(
        "select priority_rank from psirp_local_priorities order by n_sources_signalling < 2, "
        "several_sources_p_value, strongest_source_p_value, weighted_score desc, "
        "total_recent_records desc")]
    assert ranks == sorted(ranks)


def test_a_datix_linked_claim_shows_its_incident_in_the_chain(refreshed):
    workspace, _ = refreshed
    chain = workspace.query(
        "select claim_id, incident_date, linked_id, is_linked_record_found, "
        "linked_record_date, linked_severity_label from claim_chains "
        "where linked_source = 'incidents'", file=workspace.case_level)
    assert chain, "the demo links some claims to their Datix incident"
    incidents = dict(workspace.query(
        "select record_id, record_date from record_themes where source = 'incidents'",
        file=workspace.case_level))
    for claim, incident_date, linked, found, linked_date, severity in chain:
        assert found, (claim, linked)
        assert linked_date == incident_date, claim  # the register dates it from the incident
        if linked in incidents:
            assert incidents[linked] == linked_date
        assert severity is not None
    # Every claim is in the chain, linked or not, and nothing published names the claimant.
    [(claims,)] = workspace.query("select count(distinct claim_id) from claim_chains",
                                  file=workspace.case_level)
    [(loaded,)] = workspace.query(
        "select sum(claims_notified) from claims_cost where theme_id = 'all'")
    assert claims == loaded
    names = set(pl.read_csv(workspace.raw / REGISTER, infer_schema=False)["Claimant"]
                .drop_nulls().to_list())
    for path in (workspace.published, workspace.case_level):
        con = duckdb.connect(str(path), read_only=True)
        try:
            for (table,) in con.execute("select table_name from duckdb_tables()").fetchall():
                text = str(con.execute(f'select * from "{table}"').fetchall())
                assert not [n for n in names if n in text], (path.name, table)
        finally:
            con.close()


def test_learning_from_claims_ranks_causes_and_measures_the_lag(refreshed):
    workspace, truth = refreshed
    register = _register_as_loaded(workspace, truth)
    causes = workspace.query(
        "select cause_group, rank_by_number, claims_notified, "
        "median_days_incident_to_notification from claims_causes "
        "where claim_type = 'clinical' order by rank_by_number")
    assert causes[0][1] == 1 and causes[0][2] == max(c[2] for c in causes)
    # Claims arrive well after the incident: the median lag is positive everywhere.
    assert all(c[3] > 0 for c in causes if c[3] is not None)
    [(notified, per_bed_days)] = workspace.query(
        "select sum(claims_notified), max(claims_per_1000_bed_days) from claims_rates")
    assert notified == register.height
    assert per_bed_days is not None and per_bed_days > 0  # the demo has activity data


def test_board_export_shows_claims_cost_with_small_numbers_suppressed(refreshed, tmp_path):
    workspace, truth = refreshed
    export = board_export(workspace.published, tmp_path / "board")
    board = pl.read_csv(export.files["claims_cost"], infer_schema=False)
    assert board.columns == ["theme", "claims", "open", "closed_with_damages", "closed_nil",
                             "total_paid_gbp", "reserve_gbp", "total_value_gbp"]
    years = scorecard_years(dt.date.fromisoformat(truth["generator"]["end_date"]).replace(day=1))
    with duckdb.connect(str(workspace.published), read_only=True) as con:
        shown = dict(con.execute(
            "select theme_name, sum(total_value) from claims_cost join themes using (theme_id) "
            "where list_contains(?, incident_financial_year) group by all", [years]).fetchall())
    hidden = 0
    for row in board.iter_rows(named=True):
        for column in ("claims", "open", "closed_with_damages", "closed_nil"):
            cell = row[column]
            assert cell == "*" or int(cell) == 0 or int(cell) >= 5, row
            hidden += cell == "*"
        line = [row[c] for c in ("claims", "open", "closed_with_damages", "closed_nil")]
        assert sum(c == "*" for c in line) != 1, row  # no lone hidden term in a row
        if row["claims"] == "*":
            assert row["total_value_gbp"] == "*", row  # one claim's money is one case
        elif row["total_value_gbp"] != "*":
            assert int(row["total_value_gbp"]) == round(shown.get(row["theme"], 0)), row
    assert hidden, "the small demo trust has small claim counts: suppression was exercised"
    notes = " ".join(export.files["notes"].read_text(encoding="utf-8").split())
    assert f"financial years {years[0]} to {years[-1]}" in notes


def test_the_packs_show_claims_and_the_wide_one_hides_small_counts(refreshed):
    from pipelines.report import PACK_FILE, render_pack

    workspace, _ = refreshed
    restricted = (workspace.marts / PACK_FILE).read_text(encoding="utf-8")  # the refresh's
    wide = render_pack(workspace.marts, wide_circulation=True)
    for page in (restricted, wide):
        assert 'id="claims"' in page and "Claims: the cost of harm" in page
    section = wide[wide.index('id="claims"'):]
    section = section[:section.index("</section>")]
    cells = re.findall(r'<td class="num">([^<]*)</td>', section)
    assert cells and not [c for c in cells if c in {"1", "2", "3", "4"}]
    assert "*" in cells


def test_suppressed_claims_hide_a_small_rows_money_and_a_second_count():
    frame = pl.DataFrame({
        "theme": ["Falls", "Diagnosis", "Medication"], "claims": [7, 3, 0],
        "open": [5, 1, 0], "closed_with_damages": [1, 2, 0], "closed_nil": [1, 0, 0],
        "total_paid_gbp": [100, 200, 0], "reserve_gbp": [10, 20, 0],
        "total_value_gbp": [110, 220, 0]})
    shown = {r["theme"]: r for r in suppress_claims(frame).iter_rows(named=True)}
    # 1 and 1 are small; the 5 beside them would give them away (7 - 5 = 2): hidden too.
    assert [shown["Falls"][c] for c in ("claims", "open", "closed_with_damages",
                                        "closed_nil")] == ["7", "*", "*", "*"]
    assert shown["Falls"]["total_value_gbp"] == "110"
    assert shown["Diagnosis"]["claims"] == "*" and shown["Diagnosis"]["total_value_gbp"] == "*"
    assert shown["Medication"]["claims"] == "0" and shown["Medication"]["reserve_gbp"] == "0"


@pytest.mark.parametrize(("reporting_month", "first", "last"), [
    (dt.date(2026, 9, 1), "2021/22", "2025/26"),
    (dt.date(2026, 3, 1), "2021/22", "2025/26"),  # March completes 2025/26
    (dt.date(2026, 4, 1), "2021/22", "2025/26"),
])
def test_the_scorecard_window_is_the_last_five_complete_financial_years(reporting_month,
                                                                       first, last):
    years = scorecard_years(reporting_month)
    assert (years[0], years[-1], len(years)) == (first, last, 5)


def _template(tmp_path: Path, name: str, glob: str) -> Path:
    """A shipped template copied into a mappings folder, pointed at `glob`, as a trust would."""
    folder = tmp_path / "mappings"
    folder.mkdir(exist_ok=True)
    text = (TEMPLATES / name).read_text(encoding="utf-8")
    assert 'files: ["claims/TEMPLATE-edit-this-glob/*.csv"]' in text
    text = text.replace("template: true\n", "")
    (folder / name).write_text(text.replace("claims/TEMPLATE-edit-this-glob/*.csv", glob),
                               encoding="utf-8")
    return folder


def test_templates_are_marked_and_match_no_export_until_copied(refreshed):
    workspace, _ = refreshed
    templates = [parse_mapping(p) for p in sorted(TEMPLATES.glob("claims_*.yml"))]
    assert len(templates) == 2 and all(m.template and m.source == "claims" for m in templates)
    files = [p.relative_to(workspace.raw).as_posix()
             for p in workspace.raw.rglob("*") if p.is_file()]
    for mapping in templates:
        assert mapping.path.read_text(encoding="utf-8").startswith("# TEMPLATE")
        assert not [f for f in files if mapping.matches(f)], mapping.name


def test_the_nhs_resolution_template_loads_a_listing_in_its_documented_layout(tmp_path):
    raw = tmp_path / "raw" / "claims"
    raw.mkdir(parents=True)
    shutil.copy(LISTING, raw / "nhsr_listing_2025.csv")
    mappings = load_mappings(_template(tmp_path, "claims_nhs_resolution.yml",
                                       "claims/nhsr_listing_*.csv"))
    [load] = load_source(tmp_path / "raw", mappings, "claims")
    listing = pl.read_csv(LISTING, infer_schema=False)
    assert load.rows_read == listing.height == 14
    # 30/02/2024 is no date: that row alone is quarantined, naming its column.
    assert load.loaded.height == 13
    [(column, reason)] = load.rejected.select("column_name", "reason").rows()
    assert column == "incident_date" and "date" in reason
    loaded = load.loaded.sort("claim_reference")
    assert set(loaded["scheme"]) == {"cnst", "ltps", "els"}
    assert dict(loaded.group_by("status").len().iter_rows()) == {
        "open": 8, "closed_damages": 3, "closed_nil": 2}  # re-opened is open; PPOs damages
    kept = listing.filter(pl.col("Incident Date").ne_missing("30/02/2024"))
    for field, header in (("damages_paid", "Damages Paid"),
                          ("claimant_costs", "Claimant Costs Paid"),
                          ("defence_costs", "Defence Costs Paid"),
                          ("reserve", "Outstanding Estimate")):
        assert loaded[field].sum() == pytest.approx(kept[header].cast(pl.Float64).sum())
    # The listing's total claim value is what the canonical fields add up to.
    assert (loaded["damages_paid"] + loaded["claimant_costs"] + loaded["defence_costs"]
            + loaded["reserve"]).sum() == pytest.approx(
        kept["Total Claim Value"].cast(pl.Float64).sum())
    assert loaded.filter(pl.col("claim_reference") == "M23CT003/001")[
        "linked_incident_ids"].to_list() == [["INC0000366"]]


def test_the_legal_register_template_reads_its_layout(tmp_path):
    raw = tmp_path / "raw" / "claims"
    raw.mkdir(parents=True)
    (raw / "register.csv").write_text(
        "Claim Reference,Scheme,Claim Type,Date of Incident,Date Notified,Status,Division,"
        "Specialty,Ward / Department,Cause,Injury,Allegation,Damages Paid,Defence Costs,"
        "Claimant Costs,Reserve,Incident Ref\n"
        "LS-1,CNST,Clinical,01/02/2023,03/04/2024,Closed with damages,Medicine,Geriatrics,"
        "Ward 12,Slips / trips / falls,Fracture,Fell at night,\"£12,500.00\",£900,"
        "\"£4,100.50\",£0,INC1; INC2\n"
        "LS-2,LTPS,Non clinical,05/06/2023,07/08/2024,Open,Estates,,Car park,Manual handling,"
        "Back injury,,£0,£0,£0,\"£8,000\",\n", encoding="utf-8")
    mappings = load_mappings(_template(tmp_path, "claims_legal_register.yml",
                                       "claims/register*.csv"))
    [load] = load_source(tmp_path / "raw", mappings, "claims")
    assert load.rejected.height == 0
    rows = {r["claim_reference"]: r for r in load.loaded.iter_rows(named=True)}
    assert rows["LS-1"]["status"] == "closed_damages" and rows["LS-1"]["damages_paid"] == 12500
    assert rows["LS-1"]["claimant_costs"] == 4100.5
    assert rows["LS-1"]["linked_incident_ids"] == ["INC1", "INC2"]
    assert rows["LS-2"]["claim_type"] == "non_clinical" and rows["LS-2"]["reserve"] == 8000


def test_money_that_is_not_a_finite_sum_in_pounds_is_rejected_naming_its_column(tmp_path):
    """NaN and inf would load as numbers and break every total; a decimal comma (a
    semicolon-separated export's "1234,56") would read 100 times larger; no claim costs more
    than £250m."""
    raw = tmp_path / "raw" / "claims"
    raw.mkdir(parents=True)
    header = ("Claim Reference,Scheme,Claim Type,Date of Incident,Date Notified,Status,Division,"
              "Specialty,Ward / Department,Cause,Injury,Allegation,Damages Paid,Defence Costs,"
              "Claimant Costs,Reserve,Incident Ref\n")
    # LS-8: an independent probe's reserve typed with extra digits made one division's
    # claims cost a trillion pounds.
    rows = [("LS-1", "NaN"), ("LS-2", "inf"), ("LS-3", "£1e400"), ("LS-4", '"1234,56"'),
            ("LS-5", '"1,2,3,4"'), ("LS-6", '"£12,345.50"'), ("LS-7", "£900"),
            ("LS-8", '"£999,999,999,999.00"')]
    (raw / "register.csv").write_text(header + "".join(
        f"{ref},CNST,Clinical,01/02/2023,03/04/2024,Open,Medicine,,Ward 12,Falls,Fracture,,"
        f"{damages},£0,£0,£0,\n" for ref, damages in rows), encoding="utf-8")
    mappings = load_mappings(_template(tmp_path, "claims_legal_register.yml",
                                       "claims/register*.csv"))
    [load] = load_source(tmp_path / "raw", mappings, "claims")
    assert dict(zip(load.loaded["claim_reference"], load.loaded["damages_paid"],
                    strict=True)) == {"LS-6": 12345.5, "LS-7": 900}
    assert load.rejected.height == 6
    assert set(load.rejected["column_name"]) == {"damages_paid"}
    assert "damages_paid is outside the range 0..250,000,000" in " ".join(
        load.rejected["reason"])


def test_a_trust_without_a_claims_export_can_say_so(tmp_path):
    assert load_profile(tmp_path).expectation("claims").expected  # expected by default
    (tmp_path / "profile.yml").write_text("sources:\n  claims: {expected: false}\n",
                                          encoding="utf-8")
    claims = load_profile(tmp_path).expectation("claims")
    assert not claims.expected
    demo = load_profile(PROJECT_ROOT / "profiles" / "demo").expectation("claims")
    assert demo.expected and demo.stale_after_days == 180


@pytest.mark.slow
def test_an_nhs_resolution_listing_refreshes_end_to_end(refreshed_copy, tmp_path,
                                                        monkeypatch):
    """The demo trust with its register swapped for the NHS Resolution listing: the marts'
    cost totals are the listing's, and its Datix reference reaches the chain."""
    from pipelines.refresh import run_refresh

    workspace = refreshed_copy
    shutil.rmtree(workspace.raw / "claims")
    (workspace.raw / "claims").mkdir()
    shutil.copy(LISTING, workspace.raw / "claims" / "nhsr_listing_2025.csv")
    mappings = _template(tmp_path, "claims_nhs_resolution.yml", "claims/nhsr_listing_*.csv")
    for path in (DEMO_PROFILE_DIR / "mappings").glob("*.yml"):
        if path.name != "claims.yml":
            shutil.copy(path, mappings / path.name)
    monkeypatch.setenv("TRIANGULATE_MAPPINGS_DIR", str(mappings))
    # The listing was run in early 2025: older than the demo profile allows, which the
    # refresh rightly refuses; this trust's profile says its listing comes yearly.
    profile = tmp_path / "profile"
    profile.mkdir()
    (profile / "profile.yml").write_text(
        "sources:\n  claims: {expected: true, stale_after_days: 1000}\n", encoding="utf-8")
    monkeypatch.setenv("TRIANGULATE_PROFILE", str(profile))
    outcome = run_refresh()
    assert outcome.success, "\n".join(outcome.failures)
    kept = pl.read_csv(LISTING, infer_schema=False).filter(
        pl.col("Incident Date").ne_missing("30/02/2024"))
    [(claims, value)] = workspace.query(
        "select sum(claims_notified), sum(total_value) from claims_cost where theme_id = 'all'")
    assert claims == kept.height
    assert value == pytest.approx(kept["Total Claim Value"].cast(pl.Float64).sum(), abs=0.01)
    [(found,)] = workspace.query(
        "select is_linked_record_found from claim_chains where claim_id = 'M23CT003/001'",
        file=workspace.case_level)
    incidents = {r for (r,) in workspace.query(
        "select record_id from record_themes where source = 'incidents'",
        file=workspace.case_level)}
    assert found == ("INC0000366" in incidents)
    [(types,)] = workspace.query("select list(distinct claim_type order by claim_type) "
                                 "from claims_causes")
    assert types == ["clinical", "non_clinical"]  # derived from the scheme
