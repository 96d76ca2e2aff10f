{%- set recent_months = var('recent_months') | int -%}

with

unit_records as (

    select * from {{ ref('int_theme_unit_records') }}

),

signal_windows as (

    select * from {{ ref('int_signal_windows') }}

),

theme_units as (

    -- Every theme x unit with a signal-source record in either window. A location's name
    -- and directorate come from the locations seed, so min() just picks the one value.
    select
        theme_id,
        unit_level,
        unit_id,
        min(unit_name) as unit_name,
        min(directorate) as directorate
    from unit_records
    group by theme_id, unit_level, unit_id

),

window_counts as (

    select
        theme_id,
        unit_level,
        unit_id,
        source,
        count(*) filter (where time_window = 'recent') as recent_count,
        count(*) filter (where time_window = 'baseline') as baseline_count
    from unit_records
    group by theme_id, unit_level, unit_id, source

),

theme_unit_sources as (

    -- One row per signal source for every theme x unit, zero where the source is silent,
    -- so each source's absence is explicit rather than a missing row.
    select
        theme_units.theme_id,
        theme_units.unit_level,
        theme_units.unit_id,
        theme_units.unit_name,
        theme_units.directorate,
        signal_windows.source,
        coalesce(window_counts.recent_count, 0) as recent_count,
        coalesce(window_counts.baseline_count, 0) as baseline_count,
        signal_windows.baseline_months_observed,
        signal_windows.recent_start_month,
        signal_windows.recent_end_month,
        signal_windows.baseline_start_month,
        signal_windows.baseline_end_month
    from theme_units
    cross join signal_windows
    left join window_counts
        on theme_units.theme_id = window_counts.theme_id
        and theme_units.unit_level = window_counts.unit_level
        and theme_units.unit_id = window_counts.unit_id
        and signal_windows.source = window_counts.source

),

rates as (

    select
        *,
        recent_count / {{ recent_months }}.0 as recent_monthly_rate,
        -- Null when the source has no data in the baseline window at all.
        baseline_count / nullif(baseline_months_observed, 0) as baseline_monthly_mean
    from theme_unit_sources

),

compared as (

    -- The signal rule (documented in _triangulation__docs.md, doc block signal_rule).
    select
        *,
        recent_monthly_rate / nullif(baseline_monthly_mean, 0) as rate_ratio,
        coalesce(
            recent_count >= {{ var('signal_min_recent_records') }}
            and baseline_monthly_mean is not null
            and (
                baseline_monthly_mean = 0
                or recent_monthly_rate >= {{ var('signal_rate_ratio') }} * baseline_monthly_mean
            ),
            false
        ) as is_signalling
    from rates

)

select * from compared
