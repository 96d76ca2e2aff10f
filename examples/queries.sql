-- Example queries a patient safety specialist runs against data/marts/triangulate.duckdb
-- (open it read-only). Each query is named by a "-- name:" line; tests/test_bi_clients.py
-- runs every one against the demo trust's marts.

-- name: top_priorities
-- The PSIRP local focus table, strongest first.
select priority_rank, issue, concentrated_at, sources_signalling,
       proposed_learning_response, rationale
from psirp_local_priorities
order by priority_rank
limit 10;

-- name: ward_profile
-- One ward across every source: which themes, how many records in the recent window and
-- which sources signal. Change the ward name to yours.
select theme_name, n_sources_signalling, sources_signalling,
       incidents_recent_count, complaints_recent_count, fft_recent_count,
       inquests_recent_count, sjr_recent_count, weighted_score
from triangulation
where unit_level = 'location' and unit_name = 'Ward 12'
order by triangulation_rank;

-- name: theme_trend
-- A theme's monthly trend across the trust, all sources together, with its SPC signal.
select month, record_count, round(mean, 1) as mean, round(lpl, 1) as lpl,
       round(upl, 1) as upl, point_type, special_cause_rule
from theme_spc
where theme_id = 'falls' and unit_level = 'trust' and source = 'all'
order by month;

-- name: national_requirements_this_year
-- Events meeting a PSIRF national requirement, by quarter, and how many are outstanding
-- (the current quarter counts only the months so far, the last one part-way through).
select quarter_start, requirement_name, sum(events) as events, sum(done) as done,
       sum(outstanding) as outstanding, sum(not_recorded) as not_recorded
from psirp_national_requirements_summary
group by all
having sum(events) > 0
order by quarter_start desc, requirement_name;

-- name: audit_gaps
-- Where concern is high and audit coverage weak: what to put to the audit programme.
select audit_priority_rank, theme_name, directorate, coverage_gaps, recommended_audit
from audit_priorities
order by audit_priority_rank;

-- name: fft_worst_wards
-- Wards with the lowest FFT % positive over the last three months (at least 10 responses).
select location_name, sum(response_count) as responses,
       round(100.0 * sum(very_good_count + good_count) / sum(response_count), 1) as pct_positive
from fft_experience
where month >= (select max(month) from fft_experience) - interval 2 month
  and location_id is not null
group by location_name
having sum(response_count) >= 10
order by pct_positive
limit 10;

-- name: rows_to_fix_at_source
-- Export rows not loaded (rejected) or loaded with a warning (flagged), file by file: what
-- to correct in the source system, at the spreadsheet row number given.
select 'rejected' as outcome, source, file, row_number, column_name, reason
from rejected_rows
union all
select 'flagged', source, file, row_number, column_name, reason
from flagged_rows
order by source, file, row_number;
