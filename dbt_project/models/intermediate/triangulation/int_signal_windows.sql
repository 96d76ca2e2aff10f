{#- A table: several models read it, and as a view each would recompute it. -#}
{{ config(materialized='table') }}

{%- set recent_months = var('recent_months') | int -%}
{%- set baseline_months = var('baseline_months') | int -%}

with

quality_records as (

    select * from {{ ref('int_signal_records') }}

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
        signal_sources.source,
        greatest(
            0,
            coalesce(date_diff(
                'month',
                greatest(min(signal_records.record_month), min(windows.baseline_start_month)),
                min(windows.recent_start_month)
            ), 0)
        ) as baseline_months_observed
    from signal_sources
    left join signal_records
        on signal_sources.source = signal_records.source
    cross join windows
    group by signal_sources.source

)

select
    source_coverage.source,
    source_coverage.baseline_months_observed,
    windows.recent_start_month,
    windows.recent_end_month,
    windows.baseline_start_month,
    windows.baseline_end_month
from source_coverage
cross join windows
