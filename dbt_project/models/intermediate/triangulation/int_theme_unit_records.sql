{#- A table: the triangulation score and its evidence read it. Incremental as
    int_record_themes_mapped: the changed records' rows, or every record's when their themes'
    shared inputs or the signal windows changed. -#}
{{ config(materialized='incremental',
          pre_hook="{{ delete_changed_records(shared=shared_window_inputs()) }}",
          post_hook="{{ keep_shared_digest(shared_window_inputs()) }}") }}
{%- set only_changed = is_incremental() and not shared_input_changed(shared_window_inputs()) %}

with

unit_records as (

    select * from {{ ref('int_unit_records') }}
{%- if only_changed %}
    where {{ changed_record() }}
{%- endif %}

),

record_themes as (

    select * from {{ ref('int_record_themes_mapped') }}
{%- if only_changed %}
    where {{ changed_record() }}
{%- endif %}

),

signal_windows as (

    select * from {{ ref('int_signal_windows') }}

),

windowed as (

    -- Themed records of the current recent and baseline windows, at their location and
    -- directorate.
    select
        unit_records.record_key,
        unit_records.record_id,
        record_themes.theme_id,
        unit_records.source,
        unit_records.record_month,
        unit_records.severity_score,
        case
            when unit_records.record_month
                between signal_windows.recent_start_month and signal_windows.recent_end_month
                then 'recent'
            when unit_records.record_month
                between signal_windows.baseline_start_month
                and signal_windows.baseline_end_month
                then 'baseline'
        end as time_window,
        unit_records.unit_level,
        unit_records.unit_id,
        unit_records.unit_name,
        unit_records.directorate
    from unit_records
    inner join record_themes
        on unit_records.record_key = record_themes.record_key
    inner join signal_windows
        on unit_records.source = signal_windows.source
    where unit_records.unit_level <> 'trust'

)

select * from windowed
where time_window is not null
