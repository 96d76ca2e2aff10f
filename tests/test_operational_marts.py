"""The operational marts on the refreshed demo trust, checked against the generated exports.

Each expected figure is computed here straight from the export files (through the shipped
mapping's column names and code spellings only), leaving out the rows the generator planted
as bad and keeping one row per record id, so the marts are judged by what a user would count
by hand from the same files. The session pins the as-of date to the exports' last day
(conftest), so "overdue" is reproducible.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import polars as pl
from pytest import approx

from pipelines.lib.mapping import Mapping, normalise, parse_mapping
from pipelines.lib.reference import layered
from pipelines.lib.settings import DBT_PROJECT_DIR, DEMO_PROFILE_DIR

SEEDS = DBT_PROJECT_DIR / "seeds"
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d")  # CSV text; Excel date cells
POOR_AVOIDABILITY = {"probably_avoidable", "strong_evidence", "definitely_avoidable"}
SJR_PHASES = ("admission", "ongoing_care", "procedure", "perioperative", "end_of_life", "overall")


# --- reading the exports -------------------------------------------------------------------

def _mapping(name: str) -> Mapping:
    return parse_mapping(DEMO_PROFILE_DIR / "mappings" / name)


def _date(value: str | None) -> dt.date | None:
    if value is None or not value.strip():
        return None
    for date_format in DATE_FORMATS:
        try:
            return dt.datetime.strptime(value.strip(), date_format).date()
        except ValueError:
            continue
    raise AssertionError(f"unexpected date {value!r}")


def _records(raw: Path, truth: dict, mapping: Mapping, pattern: str) -> list[dict]:
    """Canonical fields (as text, codes mapped) of every good row, last occurrence per key."""
    bad = {(b["file"], b.get("sheet"), b["row"]) for b in truth["messiness"]["bad_rows"]}
    records: dict[tuple, dict] = {}
    for path in sorted(raw.glob(pattern)):
        relative, sheet = path.relative_to(raw).as_posix(), None
        if path.suffix == ".xlsx":
            sheet = mapping.sheet
            frame = pl.read_excel(path, sheet_name=sheet, infer_schema_length=0)
        else:
            frame = pl.read_csv(path, infer_schema=False, encoding="windows-1252"
                                if mapping.entity.name == "inquests" else "utf8")
        for row_number, row in enumerate(frame.iter_rows(named=True), start=1):
            if (relative, sheet, row_number) in bad:
                continue
            record = {}
            for field, header in mapping.columns.items():
                value = row.get(header)
                if value is None or normalise(str(value)) in mapping.nulls:
                    value = None  # blanks, "N/A", "Did not answer"
                elif field in mapping.values:
                    value = mapping.values[field].get(normalise(str(value)), value)
                record[field] = value
            records[tuple(record[k] for k in mapping.entity.key)] = record
    return list(records.values())


def _flag(mapping: Mapping, value: str | None) -> bool:
    return value is not None and normalise(value) in mapping.true_values


def _location_ids() -> callable:
    """The exported ward name -> location_id, as the seeds resolve it (name before alias)."""
    def key(value: str | None) -> str | None:
        return re.sub(r"[^a-z0-9]", "", value.lower()) or None if value else None

    by_name = {key(r["location_name"]): r["location_id"]
               for r in layered("locations", DEMO_PROFILE_DIR)}
    by_alias: dict[str, set[str]] = defaultdict(set)
    for row in layered("location_aliases", DEMO_PROFILE_DIR):
        by_alias[key(row["alias"])].add(row["location_id"])

    def resolve(value: str | None) -> str | None:
        k = key(value)
        if k in by_name:
            return by_name[k]
        ids = by_alias.get(k, set())
        return next(iter(ids)) if len(ids) == 1 else None

    return resolve


def _as_of(truth: dict) -> dt.date:
    return dt.date.fromisoformat(truth["generator"]["end_date"])


# --- the tests -----------------------------------------------------------------------------

def test_fft_percent_positive_per_location_month_matches_the_exports(refreshed):
    workspace, truth = refreshed
    mapping = _mapping("fft.yml")
    resolve = _location_ids()
    ratings: dict[tuple, Counter] = defaultdict(Counter)
    for record in _records(workspace.raw, truth, mapping, "fft/*.csv"):
        location_id = resolve(record["location"])
        if location_id:
            month = _date(record["response_date"]).replace(day=1)
            ratings[(location_id, record["setting"], month)][record["rating"]] += 1

    published = {
        (location_id, setting, month): (responses, positive, negative)
        for location_id, setting, month, responses, positive, negative in workspace.query(
            "select location_id, setting, month, response_count, pct_positive, pct_negative "
            "from fft_experience where location_id is not null")
    }
    assert published.keys() == ratings.keys()
    for unit, counts in ratings.items():
        responses = sum(counts.values())  # "don't know" stays in the denominator
        positive = 100 * (counts["very_good"] + counts["good"]) / responses
        negative = 100 * (counts["poor"] + counts["very_poor"]) / responses
        # Published to 2 decimals (DuckDB rounds halves away from zero, Python to even).
        assert published[unit] == (responses, approx(positive, abs=0.005 + 1e-9),
                                   approx(negative, abs=0.005 + 1e-9)), unit
    # Not a vacuous check: some location-months have both negative and "don't know" answers.
    assert any(c["dont_know"] and c["very_poor"] + c["poor"] for c in ratings.values())


def test_pfd_tracker_holds_every_pfd_the_register_says_was_issued(refreshed):
    workspace, truth = refreshed
    mapping = _mapping("inquests.yml")
    as_of = _as_of(truth)
    expected = {}
    for record in _records(workspace.raw, truth, mapping, "inquests/*.csv"):
        report = _date(record["pfd_date"])
        if _flag(mapping, record["is_pfd_issued"]) or report:
            due = report + dt.timedelta(days=56)
            sent = _date(record["response_sent_date"])
            status = ("sent_on_time" if sent and sent <= due else "sent_late" if sent
                      else "overdue" if as_of > due else "due")
            expected[record["case_reference"]] = (report, due, sent, status)

    published = {
        inquest_id: tuple(rest) for inquest_id, *rest in workspace.query(
            "select inquest_id, pfd_date, response_due_date, response_sent_date, pfd_status "
            "from pfd_tracker", file=workspace.case_level)
    }
    assert expected, "the demo register should hold PFD reports"
    assert published == expected
    days_overdue = dict(workspace.query("select inquest_id, days_overdue from pfd_tracker",
                                           file=workspace.case_level))
    assert days_overdue == {
        ref: (as_of - due).days if status == "overdue"
        else (sent - due).days if status == "sent_late" else 0
        for ref, (_, due, sent, status) in expected.items()
    }
    assert workspace.query("select distinct as_of_date from pfd_tracker",
                           file=workspace.case_level) == [(as_of,)]
    # Only the register's reference and dates: no name, death date or concerns text.
    columns = {c for (c,) in workspace.query(
        "select column_name from duckdb_columns() where table_name = 'pfd_tracker'",
        file=workspace.case_level)}
    assert not columns & {"deceased", "concerns", "death_date", "date_of_death"}


def test_learning_from_deaths_matches_the_sjr_export_quarter_by_quarter(refreshed):
    workspace, truth = refreshed
    mapping = _mapping("sjr.yml")
    expected: dict[dt.date, Counter] = defaultdict(Counter)
    for record in _records(workspace.raw, truth, mapping, "sjr/*.csv"):
        death = _date(record["date_of_death"])
        quarter = dt.date(death.year, 3 * ((death.month - 1) // 3) + 1, 1)
        counts = expected[quarter]
        counts["reviews"] += 1
        scores = {p: record[f"score_{p}"] for p in SJR_PHASES}
        for phase, score in scores.items():
            # "N/A" reads as blank: the phase did not apply and counts nowhere, not as a 0.
            if score is not None:
                counts[f"{phase}_scored"] += 1
                counts[f"{phase}_poor"] += int(score) <= 2
        counts["poor_any_phase"] += any(s is not None and int(s) <= 2 for s in scores.values())
        counts["avoidable"] += record["avoidability"] in POOR_AVOIDABILITY
        counts["leder"] += _flag(mapping, record["has_learning_disability"])
        counts["second_stage"] += _flag(mapping, record["is_second_stage_review"])

    phase_columns = ", ".join(f"sum({p}_scored_count), sum({p}_poor_care_count)"
                              for p in SJR_PHASES)
    published = {
        quarter: values for quarter, *values in workspace.query(
            f"select quarter_start, sum(reviews_count), {phase_columns}, "
            "sum(second_stage_triggered_count), sum(more_likely_than_not_avoidable_count), "
            "sum(leder_referral_count), sum(second_stage_review_count) "
            "from learning_from_deaths group by quarter_start having sum(reviews_count) > 0")
    }
    assert published.keys() == expected.keys()
    for quarter, counts in expected.items():
        assert published[quarter] == [
            counts["reviews"],
            *(counts[f"{p}_{kind}"] for p in SJR_PHASES for kind in ("scored", "poor")),
            counts["poor_any_phase"], counts["avoidable"], counts["leder"],
            counts["second_stage"],
        ], quarter
    assert sum(c["avoidable"] for c in expected.values()) > 0
    assert any(c["procedure_scored"] < c["reviews"] for c in expected.values())


def test_complaints_performance_matches_the_register_month_by_month(refreshed):
    workspace, truth = refreshed
    mapping = _mapping("complaints.yml")
    as_of = _as_of(truth)
    with (SEEDS / "bank_holidays.csv").open(encoding="utf-8") as handle:
        holidays = [row["holiday_date"] for row in csv.DictReader(handle)]
    expected: dict[dt.date, Counter] = defaultdict(Counter)
    complaints = [r for r in _records(workspace.raw, truth, mapping, "complaints/*.xlsx")
                  if r["complaint_type"] == "formal"]
    for record in complaints:
        received, acknowledged = _date(record["received_date"]), _date(record["acknowledged_date"])
        due, closed = _date(record["due_date"]), _date(record["closed_date"])
        counts = expected[received.replace(day=1)]
        counts["received"] += 1
        # The third working day after the day received (weekends and bank holidays skipped).
        deadline = np.busday_offset(received + dt.timedelta(days=1), 2, roll="forward",
                                    holidays=holidays).item()
        counts["acknowledged_in_time"] += bool(acknowledged and acknowledged <= deadline)
        if closed:
            counts = expected[closed.replace(day=1)]
            counts["closed"] += 1
            counts["closed_by_due"] += bool(due and closed <= due)
            counts[record["outcome"]] += 1
    month = min(expected)
    while month <= as_of:
        month_end = min((month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1),
                        as_of)
        expected[month]["open_at_month_end"] = sum(
            1 for r in complaints if _date(r["received_date"]) <= month_end
            and (_date(r["closed_date"]) is None or _date(r["closed_date"]) > month_end))
        month = (month + dt.timedelta(days=32)).replace(day=1)

    published = {
        month: values for month, *values in workspace.query(
            "select month, sum(received_count), sum(acknowledged_within_3_working_days_count), "
            "sum(closed_count), sum(closed_by_due_date_count), sum(upheld_count), "
            "sum(partially_upheld_count), sum(not_upheld_count), sum(open_at_month_end_count) "
            "from complaints_performance where complaint_type = 'formal' group by month")
    }
    # The month spine starts at the first complaint of any type: earlier formal months are 0.
    published = {m: v for m, v in published.items() if m in expected or any(v)}
    assert published.keys() == {m for m in expected if m <= as_of}
    for month, values in published.items():
        counts = expected[month]
        assert values == [
            counts["received"], counts["acknowledged_in_time"], counts["closed"],
            counts["closed_by_due"], counts["upheld"], counts["partially_upheld"],
            counts["not_upheld"], counts["open_at_month_end"],
        ], month
    # The working-day rule matters in these files: some acknowledgements came too late.
    assert sum(c["acknowledged_in_time"] for c in expected.values()) < len(complaints)


def test_audit_programme_has_each_audit_with_its_action_plan_progress(refreshed):
    workspace, truth = refreshed
    as_of = _as_of(truth)
    audits = _records(workspace.raw, truth, _mapping("audit_register.yml"), "audit/*.xlsx")
    expected = {audit["audit_id"]: [0, 0, 0] for audit in audits}
    for action in _records(workspace.raw, truth, _mapping("audit_actions.yml"), "audit/*.xlsx"):
        is_open = action["status"] not in ("completed", "cancelled")
        counts = expected[action["audit_id"]]
        counts[0] += 1
        counts[1] += is_open
        counts[2] += is_open and _date(action["due_date"]) < as_of

    published = {
        audit_id: [total, open_, overdue] for audit_id, total, open_, overdue in workspace.query(
            "select audit_id, actions_total_count, actions_open_count, actions_overdue_count "
            "from audit_programme")
    }
    assert published == expected
    assert any(overdue for _, _, overdue in expected.values())
