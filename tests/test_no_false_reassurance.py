"""Nothing unknown reads as zero: missing, stale or unmapped inputs are said, not hidden."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil

import polars as pl
import pytest
import yaml
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.lib.board_export import board_export
from pipelines.lib.freshness import MISSING, NO_ROWS, NOT_SENT, OK, STALE, judge
from pipelines.lib.profile import ProfileError, SourceExpectation, load_profile
from pipelines.lib.settings import DEMO_PROFILE_DIR
from pipelines.refresh import run_refresh

runner = CliRunner()
AS_OF = dt.date(2026, 10, 31)


def _published_digest(workspace) -> dict[str, str]:
    """Every published file's SHA-256, by path relative to the marts folder."""
    return {str(p.relative_to(workspace.marts)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(workspace.marts.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(("expected", "files", "rows", "newest", "state", "blocks"), [
    (True, 3, 100, AS_OF - dt.timedelta(days=10), OK, False),
    (True, 3, 100, AS_OF - dt.timedelta(days=46), STALE, True),
    (True, 0, 0, None, MISSING, True),
    (True, 2, 0, None, NO_ROWS, True),
    (False, 0, 0, None, NOT_SENT, False),
    (False, 3, 100, AS_OF - dt.timedelta(days=400), STALE, False),
])
def test_sources_are_judged_present_and_fresh(expected, files, rows, newest, state, blocks):
    verdict = judge(SourceExpectation("incidents", expected, 45), "/exports/incidents",
                    "/profile", files, rows, newest, AS_OF)
    assert verdict.state == state
    assert (verdict.problem is not None) == blocks
    if blocks:
        assert verdict.problem.startswith("incidents: ")
        assert "/exports/incidents/" in verdict.problem


def test_a_profile_marks_sources_not_expected_and_sets_their_staleness(tmp_path):
    (tmp_path / "profile.yml").write_text(yaml.safe_dump(
        {"sources": {"inquests": {"expected": False}, "fft": {"stale_after_days": 40}}}))
    profile = load_profile(tmp_path)
    assert not profile.expectation("inquests").expected
    assert profile.expectation("fft").stale_after_days == 40
    assert profile.expectation("incidents").expected  # defaults for the rest
    assert not profile.expectation("pfd").expected
    (tmp_path / "profile.yml").write_text(yaml.safe_dump({"sources": {"claimz": {}}}))
    with pytest.raises(ProfileError, match="claimz"):
        load_profile(tmp_path)


def test_field_coverage_says_which_fields_the_exports_carry(refreshed):
    workspace, _ = refreshed
    rows = dict(((entity, field), (mapped, pct)) for entity, field, mapped, pct in workspace.query(
        "select entity, field, is_mapped, pct_filled from field_coverage"))
    assert rows[("incidents", "incident_id")] == (True, 100.0)
    # The demo's Datix export has no LFPSE fields; its newer system has.
    assert rows[("incidents", "lfpse_safety_challenge")][0]
    [(files, carrying)] = workspace.query(
        "select files, files_carrying from field_coverage where field = 'lfpse_safety_challenge'")
    assert 0 < carrying < files
    # Every loaded canonical field of every loaded source has a row.
    [(n,)] = workspace.query("select count(distinct source) from field_coverage")
    assert n >= 6


def test_records_without_any_theme_are_counted_per_source(refreshed):
    workspace, _ = refreshed
    coverage = {source: (records, without) for source, records, without in workspace.query(
        "select source, records, records_without_theme from theme_coverage")}
    assert set(coverage) == {"incidents", "complaints", "inquests", "sjr", "claims"}
    [(incidents,)] = workspace.query(
        "select count(*) from load_summary where source = 'incidents'")
    assert incidents > 0
    for records, without in coverage.values():
        assert 0 <= without < records


def test_empty_exports_folder_gives_one_clear_message(refreshed_copy):
    shutil.rmtree(refreshed_copy.raw)
    refreshed_copy.raw.mkdir()
    before = _published_digest(refreshed_copy)

    outcome = run_refresh()

    assert not outcome.success
    [message] = outcome.failures
    assert f"{refreshed_copy.raw} holds no export files" in message
    assert "triangulate generate" in message
    result = runner.invoke(app, ["refresh"])
    assert result.exit_code == 1
    output = " ".join(result.output.split())  # rich wraps at the terminal width
    assert "holds no export files" in output and "Traceback" not in output
    assert _published_digest(refreshed_copy) == before


def test_missing_or_stale_expected_source_blocks_publishing(refreshed_copy, monkeypatch):
    before = _published_digest(refreshed_copy)
    # Judged on a day the exports are three months old: incidents (45 days) are stale.
    with monkeypatch.context() as later:
        later.setenv("TRIANGULATE_AS_OF_DATE", "2027-02-01")
        outcome = run_refresh()
    assert not outcome.success
    message = "\n".join(outcome.failures)
    assert "incidents: the newest record is dated 2026-10-" in message
    assert "stale after 45 days" in message
    assert _published_digest(refreshed_copy) == before
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 1  # the last refresh failed, and status says why
    assert "stale after 45 days" in result.output.replace("\n", " ")

    shutil.rmtree(refreshed_copy.raw / "inquests")
    outcome = run_refresh()
    assert not outcome.success
    message = "\n".join(outcome.failures)
    assert f"inquests: no export files in {refreshed_copy.raw / 'inquests'}/" in message
    assert "{expected: false}" in message
    assert _published_digest(refreshed_copy) == before


def test_status_exits_4_when_the_published_sources_have_gone_stale(refreshed, monkeypatch):
    monkeypatch.setenv("TRIANGULATE_AS_OF_DATE", "2027-06-30")
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 4, result.output
    assert "Expected sources missing or stale" in result.output
    assert "incidents" in result.output


NOT_SENT_HERE = ("inquests", "sjr", "audit", "claims")


def test_a_source_not_sent_and_a_field_not_mapped_read_as_not_measured(
        refreshed_copy, tmp_path, monkeypatch):
    """A trust without inquests, SJRs, audit or claims, whose incident exports carry no
    safeguarding flag, complaint exports no acknowledgement or closed date and FFT exports no
    setting: the refresh publishes, inquests show as not sent (a blank column on the board,
    not 0), the safeguarding requirement shows `not measurable` naming the field, never 0
    events, complaints acknowledged in time, closed and open are null, not 0% or all open,
    the pack's FFT section shows the responses, and neither the audit priorities nor the pack
    say a theme has no audit or the trust no claims."""
    for source in NOT_SENT_HERE:
        shutil.rmtree(refreshed_copy.raw / source)
    profile = tmp_path / "profile"
    shutil.copytree(DEMO_PROFILE_DIR / "reference", profile / "reference")
    (profile / "profile.yml").write_text(yaml.safe_dump(
        {"sources": {s: {"expected": False} for s in NOT_SENT_HERE}}))
    mappings = tmp_path / "mappings"
    shutil.copytree(DEMO_PROFILE_DIR / "mappings", mappings)
    for path in mappings.glob("incidents*.yml"):
        spec = yaml.safe_load(path.read_text())
        spec["columns"].pop("is_safeguarding")
        path.write_text(yaml.safe_dump(spec, sort_keys=False))
    complaints = mappings / "complaints.yml"
    spec = yaml.safe_load(complaints.read_text())
    spec["columns"].pop("acknowledged_date")
    spec["columns"].pop("closed_date")
    complaints.write_text(yaml.safe_dump(spec, sort_keys=False))
    fft = mappings / "fft.yml"
    spec = yaml.safe_load(fft.read_text())
    spec["columns"].pop("setting")
    spec["values"].pop("setting")
    fft.write_text(yaml.safe_dump(spec, sort_keys=False))
    monkeypatch.setenv("TRIANGULATE_PROFILE", str(profile))
    monkeypatch.setenv("TRIANGULATE_MAPPINGS_DIR", str(mappings))

    outcome = run_refresh()

    assert outcome.success, outcome.failures
    [(state, files)] = refreshed_copy.query(
        "select state, files from source_freshness where source = 'inquests'")
    assert (state, files) == (NOT_SENT, 0)
    [(mapped,)] = refreshed_copy.query(
        "select is_mapped from field_coverage where field = 'is_safeguarding'")
    assert not mapped
    safeguarding = refreshed_copy.query(
        "select distinct measurability, measurability_gaps, events_reported "
        "from psirp_national_requirements_summary where requirement = 'safeguarding'")
    assert safeguarding == [("not_measurable", "incidents.is_safeguarding is not in the export",
                             "not measurable")]
    [(measurable,)] = refreshed_copy.query(
        "select count(*) from psirp_national_requirements_summary "
        "where requirement = 'never_event' and measurability = 'measurable'")
    assert measurable > 0
    # SJRs not sent: a requirement judged on them says so, never "no records this quarter".
    avoidable = refreshed_copy.query(
        "select distinct measurability_gaps from psirp_national_requirements_summary "
        "where requirement = 'avoidable_death'")
    assert avoidable == [("sjr not sent by this trust (its profile does not expect it)",)]
    # Complaints acknowledged in time, closed and open: not measured (null); received is.
    # (An independent probe saw every complaint of such a trust "open over six months".)
    [(acknowledged, in_time, closed, upheld, still_open, received)] = refreshed_copy.query(
        "select count(acknowledged_count), count(pct_acknowledged_within_3_working_days), "
        "count(closed_count), count(upheld_count), count(open_at_month_end_count), "
        "sum(received_count) from complaints_performance")
    assert (acknowledged, in_time, closed, upheld, still_open) == (0, 0, 0, 0, 0)
    assert received > 0
    result = runner.invoke(app, ["export", "--out", str(tmp_path / "out"), "--format", "csv"])
    assert result.exit_code == 0, result.output
    exported = (tmp_path / "out" / "psirp_national_requirements_summary.csv").read_text()
    assert "not measurable" in exported
    # The board's counts by source leave the inquests column blank (not known), not 0.
    board = board_export(refreshed_copy.published, tmp_path / "board")
    counts = pl.read_csv(board.files["theme_source_counts"], infer_schema=False)
    assert counts["inquests"].null_count() == counts.height > 0
    assert counts["incidents"].null_count() == 0
    notes = " ".join(board.files["notes"].read_text(encoding="utf-8").split())
    assert ("loaded no inquests, sjr, claims records (not sent), so their columns are blank, not "
            "zero") in notes
    # Claims not sent: the cost of harm beside a priority is not known (null), not none.
    for mart in ("audit_priorities", "psirp_local_priorities"):
        assert refreshed_copy.query(
            f"select count(*), count(directorate_theme_claims) from {mart}")[0][1] == 0
    gaps = {gap for (gap,) in refreshed_copy.query("select coverage_gaps from audit_priorities")}
    assert gaps == {"audit coverage not known (the trust sends no clinical audit register)"}
    pack = " ".join((refreshed_copy.marts / "insight_pack.html").read_text().split())
    assert "This trust does not send a clinical audit register" in pack
    assert "This trust does not send a claims register" in pack
    assert "No clinical claims." not in pack and "No audit has overdue actions" not in pack
    # FFT exported without a setting is one series, not "No FFT responses".
    assert "No FFT responses" not in pack and "Setting not exported" in pack
    assert "This trust does not send structured judgement reviews" in pack
    assert "SJRs not sent by this trust" in pack and "records dated in the quarter" not in pack
