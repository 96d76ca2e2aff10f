{%- set baseline_months = var('baseline_months') | int -%}

-- One row per signal window x month it covers, saying whether the month is in the window's
-- recent part or its baseline. Window `current` is the one theme_signals and the PSIRP marts
-- read (int_signal_windows); one window per calendar quarter (its three months against the
-- `baseline_months` before it) feeds hotspots. A quarter is listed once the data reach back
-- over its whole baseline.

with

signal_windows as (

    select * from {{ ref('int_signal_windows') }}

),

unit_months as (

    select * from {{ ref('int_unit_months_counted') }}

),

data_span as (

    select
        min(month) as first_month,
        max(month) as last_month
    from unit_months
    where unit_level = 'trust'

),

current_window as (

    select distinct
        'current' as window_id,
        'current' as window_kind,
        recent_start_month,
        recent_end_month,
        baseline_start_month,
        baseline_end_month
    from signal_windows

),

quarters as (

    select
        cast(unnest(generate_series(
            cast(date_trunc('quarter', first_month + to_months({{ baseline_months }})) as timestamp),
            cast(date_trunc('quarter', last_month) as timestamp),
            interval 3 month
        )) as date) as quarter_start,
        last_month
    from data_span

),

quarter_windows as (

    select
        strftime(quarter_start, '%Y-%m-%d') as window_id,
        'quarter' as window_kind,
        quarter_start as recent_start_month,
        least(cast(quarter_start + to_months(2) as date), last_month) as recent_end_month,
        cast(quarter_start - to_months({{ baseline_months }}) as date) as baseline_start_month,
        cast(quarter_start - to_months(1) as date) as baseline_end_month
    from quarters

),

windows as (

    select * from current_window
    union all
    select * from quarter_windows

),

window_months as (

    select
        windows.*,
        cast(unnest(generate_series(
            cast(baseline_start_month as timestamp),
            cast(recent_end_month as timestamp),
            interval 1 month
        )) as date) as month
    from windows

)

select
    window_id,
    window_kind,
    recent_start_month,
    recent_end_month,
    baseline_start_month,
    baseline_end_month,
    date_diff('month', recent_start_month, recent_end_month) + 1 as recent_months,
    month,
    case when month >= recent_start_month then 'recent' else 'baseline' end as time_window
from window_months
