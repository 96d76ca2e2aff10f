{%- set recent_months = var('recent_months') | int -%}
{%- set baseline_months = var('baseline_months') | int -%}

with

quality_records as (

    select * from {{ ref('int_quality_records_unioned') }}

),

record_themes as (

    select * from {{ ref('int_record_themes_mapped') }}

),

signal_sources as (

    select *
    from (
        values
            {%- for source_name in signal_sources() %}
            ('{{ source_name }}'){{ ',' if not loop.last }}
            {%- endfor %}
    ) as sources (source)

),

signal_records as (

    -- Audits are coverage (someone measures the topic), not problems in care: they never
    -- signal. Undated records cannot fall in a window.
    select quality_records.*
    from quality_records
    inner join signal_sources
        on quality_records.source = signal_sources.source
    where quality_records.record_month is not null

),

windows as (

    -- The recent window ends at the latest month in the data, not today, so a late or
    -- paused load does not read as a fall in every theme. A latest month still in progress
    -- lowers the recent rate, which errs towards not signalling.
    select
        max(record_month) as recent_end_month,
        cast(max(record_month) - to_months({{ recent_months - 1 }}) as date)
            as recent_start_month,
        cast(max(record_month) - to_months({{ recent_months + baseline_months - 1 }}) as date)
            as baseline_start_month,
        cast(max(record_month) - to_months({{ recent_months }}) as date)
            as baseline_end_month
    from signal_records

),

source_coverage as (

    -- Months of the baseline window that each source's data actually covers: a source
    -- loaded only from last spring has no baseline before then, and dividing by the full
    -- baseline length would make every theme look like it is rising.
    select
        signal_records.source,
        greatest(
            0,
            date_diff(
                'month',
                greatest(min(signal_records.record_month), min(windows.baseline_start_month)),
                min(windows.recent_start_month)
            )
        ) as baseline_months_observed
    from signal_records
    cross join windows
    group by signal_records.source

),

themed_records as (

    select
        record_themes.theme_id,
        signal_records.source,
        signal_records.location_id,
        signal_records.location_name,
        signal_records.directorate,
        case
            when signal_records.record_month
                between windows.recent_start_month and windows.recent_end_month
                then 'recent'
            when signal_records.record_month
                between windows.baseline_start_month and windows.baseline_end_month
                then 'baseline'
        end as time_window
    from record_themes
    inner join signal_records
        on record_themes.record_key = signal_records.record_key
    cross join windows

),

unit_records as (

    -- Each themed record counts once at its location (resolved locations only) and once
    -- at its directorate (when known).
    select
        theme_id,
        source,
        time_window,
        'location' as unit_level,
        location_id as unit_id,
        location_name as unit_name,
        directorate
    from themed_records
    where time_window is not null
        and location_id is not null

    union all

    select
        theme_id,
        source,
        time_window,
        'directorate' as unit_level,
        directorate as unit_id,
        directorate as unit_name,
        directorate
    from themed_records
    where time_window is not null
        and directorate is not null

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
        signal_sources.source,
        coalesce(window_counts.recent_count, 0) as recent_count,
        coalesce(window_counts.baseline_count, 0) as baseline_count,
        coalesce(source_coverage.baseline_months_observed, 0) as baseline_months_observed
    from theme_units
    cross join signal_sources
    left join window_counts
        on theme_units.theme_id = window_counts.theme_id
        and theme_units.unit_level = window_counts.unit_level
        and theme_units.unit_id = window_counts.unit_id
        and signal_sources.source = window_counts.source
    left join source_coverage
        on signal_sources.source = source_coverage.source

),

rates as (

    select
        theme_unit_sources.*,
        windows.recent_start_month,
        windows.recent_end_month,
        windows.baseline_start_month,
        windows.baseline_end_month,
        recent_count / {{ recent_months }}.0 as recent_monthly_rate,
        -- Null when the source has no data in the baseline window at all.
        baseline_count / nullif(baseline_months_observed, 0) as baseline_monthly_mean
    from theme_unit_sources
    cross join windows

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
