"""PSIRP local priorities and audit priorities on several planted scenarios: every planted
multi-source problem ranks above every single-source decoy, within the top (planted + 2), and
planted themes no audit covers are put to the audit programme."""

from __future__ import annotations

import datetime as dt
import re


def _directorate(workspace, unit: dict) -> str:
    if unit["level"] == "directorate":
        return unit["value"]
    [(directorate,)] = workspace.query(
        "select directorate from locations where location_id = ?", [unit["value"]])
    return directorate


def test_planted_problems_rank_above_decoys_and_near_the_top(scenario_trust):
    workspace, truth, _ = scenario_trust
    ranks = {theme: (rank, directorate) for theme, rank, directorate in workspace.query(
        "select theme_id, priority_rank, directorate from psirp_local_priorities")}
    problems, decoys = truth["problems"], truth["decoys"]
    for problem in problems:
        assert problem["theme"] in ranks, problem["name"]
        rank, directorate = ranks[problem["theme"]]
        assert rank <= len(problems) + 2, (problem["name"], rank)
        # Found where it was planted: its ward's (or its own) directorate.
        assert directorate == _directorate(workspace, problem["unit"]), problem["name"]
    worst_problem = max(ranks[p["theme"]][0] for p in problems)
    for decoy in decoys:
        if decoy["theme"] in ranks:
            assert ranks[decoy["theme"]][0] > worst_problem, decoy["name"]


def test_every_priority_has_a_rationale_and_a_learning_response(scenario_trust):
    workspace, _, _ = scenario_trust
    rows = workspace.query(
        "select issue, concentrated_at, rationale, proposed_learning_response, "
        "anticipated_improvement_route, n_sources_signalling, n_sources_tested, "
        "several_sources_q_value from psirp_local_priorities")
    assert rows
    for issue, where, rationale, response, route, n_sources, tested, q in rows:
        assert n_sources <= tested <= 6
        assert rationale.startswith(f"{issue} at {where}: {n_sources} of {tested} sources")
        # The place's own chance, then what allowing for every place tested makes of it.
        chance = re.search(r"across every theme and place tested, (about 1 in [\d,]+|fewer "
                           r"than 1 in a million) would be chance\)", rationale)
        assert chance, rationale
        if n_sources >= 2:
            assert chance[1] == (f"about 1 in {round(1 / q):,}" if q >= 1e-6
                                 else "fewer than 1 in a million"), (rationale, q)
        assert response and route
        # Two or more sources signalling never gets only a single-team conversation.
        if n_sources >= 2:
            assert response not in ("After Action Review", "SWARM huddle"), issue


def test_planted_themes_without_recent_audit_are_put_to_the_audit_programme(scenario_trust):
    """audit_priorities takes themes where two or more sources rise together (beyond
    chance) in a directorate or one of its wards: every such planted problem with weak audit
    coverage is there, with the gap named."""
    workspace, truth, name = scenario_trust
    end = dt.date.fromisoformat(truth["generator"]["end_date"])
    since = end.replace(year=end.year - 2)
    gaps = {(theme, directorate): gaps for theme, directorate, gaps in workspace.query(
        "select theme_id, directorate, coverage_gaps from audit_priorities")}
    concerned = 0
    for problem in truth["problems"]:
        directorate = _directorate(workspace, problem["unit"])
        [(n_sources,)] = workspace.query(
            "select coalesce(max(n_sources_signalling), 0) from triangulation "
            "where theme_id = ? and directorate = ?", [problem["theme"], directorate])
        if n_sources < 2:
            continue
        concerned += 1
        [(recent_audits,)] = workspace.query(
            "select count(*) from audit_programme a join theme_code_map m "
            "on m.source = 'audit' and lower(trim(m.native_code)) in "
            "(lower(trim(a.topic)), lower(trim(a.guidance_reference))) "
            "where m.theme_id = ? and a.directorate = ? "
            "and coalesce(a.report_date, a.registered_date) >= ?",
            [problem["theme"], directorate, since])
        if recent_audits == 0:
            assert "no audit within" in gaps[problem["theme"], directorate], problem["name"]
        if "audit" in problem["planted"]:  # planted with a poorly complying audit
            assert "below target" in gaps[problem["theme"], directorate], problem["name"]
    assert concerned, f"{name}: no planted problem signals in two or more sources"
    if name == "default":
        assert ("discharge_transfer", "Surgery") in gaps, "the default plants an unaudited theme"
