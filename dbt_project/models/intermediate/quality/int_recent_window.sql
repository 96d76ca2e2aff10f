-- The recent window the data-quality to-do lists rank by: the signals' recent window (the
-- last `recent_months` months ending at the latest month of the signal sources' data).

with

signal_windows as (

    select * from {{ ref('int_signal_windows') }}

),

recent_window as (

    select
        min(recent_start_month) as recent_start_month,
        max(recent_end_month) as recent_end_month
    from signal_windows

)

select * from recent_window
