"""Scoring a benchmark trust: the priorities as published, the previous rule recomputed from
the published columns, and what each got right.

The previous rule (before issue 9): a source signalled when it had at least 3 records in the
recent window and its recent monthly rate was at least 1.5 times its baseline monthly mean (or
the baseline held none, the source having data there); theme x units were ranked by how many
sources signalled, then how many showed SPC concern, then the weighted score; a theme's unit
was the one with most sources signalling, a ward over its directorate on a tie.
"""

from __future__ import annotations

from dataclasses import dataclass

# The sources the previous rule knew (claims came later: new_signals adds them).
SOURCES = ("incidents", "complaints", "fft", "inquests", "sjr")
PREVIOUS_MIN_RECORDS = 3
PREVIOUS_RATE_RATIO = 1.5


@dataclass(frozen=True)
class Listed:
    """A theme as the priorities table lists it."""

    rank: int
    unit_level: str
    unit_id: str
    directorate: str | None


def new_priorities(rows: list[dict]) -> dict[str, Listed]:
    return {r["theme_id"]: Listed(r["priority_rank"], r["concentrated_at_level"],
                                  r["concentrated_at_id"], r["directorate"]) for r in rows}


def new_signals(row: dict) -> set[str]:
    """The sources the signal marks at a theme x unit row: the two claims tests (incident
    and notification date) are one source, claims."""
    found = {source for source in SOURCES if row[f"{source}_is_signalling"]}
    if row.get("claims_is_signalling") or row.get("claims_notified_is_signalling"):
        found.add("claims")
    return found


def previous_signals(row: dict, recent_months: int) -> set[str]:
    """The sources the previous rule said signal at a theme x unit row."""
    signalling = set()
    for source in SOURCES:
        count, mean = row[f"{source}_recent_count"], row[f"{source}_baseline_monthly_mean"]
        if count is None or mean is None or mean != mean:  # NaN from pandas
            continue
        if count >= PREVIOUS_MIN_RECORDS and (
                mean == 0 or count / recent_months >= PREVIOUS_RATE_RATIO * mean):
            signalling.add(source)
    return signalling


def previous_priorities(rows: list[dict], recent_months: int = 6) -> dict[str, Listed]:
    scored = []
    for row in rows:
        n = len(previous_signals(row, recent_months))
        if n:
            scored.append((row, n))
    best: dict[str, tuple[dict, int]] = {}
    for row, n in sorted(scored, key=lambda item: (
            -item[1], item[0]["unit_level"] != "location", -item[0]["n_sources_spc_concern"],
            -item[0]["weighted_score"], item[0]["unit_id"])):
        best.setdefault(row["theme_id"], (row, n))
    keys = {theme: (-n, -row["n_sources_spc_concern"], -row["weighted_score"],
                    -row["total_recent_records"]) for theme, (row, n) in best.items()}
    ordered = sorted(keys.values())
    return {theme: Listed(ordered.index(key) + 1, best[theme][0]["unit_level"],
                          best[theme][0]["unit_id"], best[theme][0]["directorate"])
            for theme, key in keys.items()}


def _explained(theme: str, source: str, row: dict, plants: list[dict],
               directorate_of: dict[str, str]) -> bool:
    """A signal a planted problem or decoy accounts for: its theme and source, at its unit,
    the planted ward's directorate, or a ward of the planted directorate."""
    for plant in plants:
        if plant["theme"] != theme or source not in plant["sources"]:
            continue
        level, value = plant["unit"]["level"], plant["unit"]["value"]
        if row["unit_id"] == value or (level == "location"
                                       and row["unit_id"] == directorate_of.get(value)) or (
                level == "directorate" and row["directorate"] == value):
            return True
    return False


def score(result: dict, method: str) -> dict:
    """What one method (`new` or `previous`) got right on one benchmark trust."""
    truth, rows = result["truth"], result["triangulation"]
    listed = (new_priorities(result["psirp_local_priorities"]) if method == "new"
              else previous_priorities(rows))
    problems, decoys = truth["problems"], truth["decoys"]
    directorate_of = {r["unit_id"]: r["directorate"] for r in rows
                      if r["unit_level"] == "location"}
    cutoff = len(problems) + 2
    planted_ranks = [listed[p["theme"]].rank if p["theme"] in listed else None for p in problems]
    decoy_ranks = [listed[d["theme"]].rank for d in decoys if d["theme"] in listed]
    above = all(r is not None for r in planted_ranks) and (
        not decoy_ranks or max(planted_ranks) < min(decoy_ranks))
    at_unit = sum(
        1 for p, r in zip(problems, planted_ranks, strict=True)
        if r is not None and r <= cutoff and listed[p["theme"]].unit_id == p["unit"]["value"])
    in_directorate = sum(
        1 for p, r in zip(problems, planted_ranks, strict=True)
        if r is not None and r <= cutoff and listed[p["theme"]].directorate == (
            p["unit"]["value"] if p["unit"]["level"] == "directorate"
            else directorate_of.get(p["unit"]["value"])))
    themes = {p["theme"] for p in problems + decoys}
    false_source_signals = 0
    for row in rows:
        sources = new_signals(row) if method == "new" else previous_signals(row, 6)
        false_source_signals += sum(
            1 for s in sources
            if not _explained(row["theme_id"], s, row, problems + decoys, directorate_of))
    return {
        "planted": len(problems),
        "planted_above_decoys": above,
        "recalled_at_unit": at_unit,
        "recalled_in_directorate": in_directorate,
        "false_priorities": sum(1 for theme in listed if theme not in themes),
        "false_source_signals": false_source_signals,
        "planted_ranks": planted_ranks,
        "decoy_ranks": [listed[d["theme"]].rank if d["theme"] in listed else None
                        for d in decoys],
    }
