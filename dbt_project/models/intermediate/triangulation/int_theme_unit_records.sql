{#- A table: the signal counts, the triangulation score and its evidence all read it. -#}
{{ config(materialized='table') }}

with

quality_records as (

    select * from {{ ref('int_quality_records_unioned') }}

),

record_themes as (

    select * from {{ ref('int_record_themes_mapped') }}

),

signal_windows as (

    select * from {{ ref('int_signal_windows') }}

),

themed_records as (

    -- Signal sources only (the inner join to the windows, one row per signal source).
    select
        record_themes.record_key,
        record_themes.theme_id,
        quality_records.source,
        quality_records.record_id,
        quality_records.record_month,
        quality_records.severity_score,
        quality_records.location_id,
        quality_records.location_name,
        quality_records.directorate,
        case
            when quality_records.record_month
                between signal_windows.recent_start_month and signal_windows.recent_end_month
                then 'recent'
            when quality_records.record_month
                between signal_windows.baseline_start_month
                and signal_windows.baseline_end_month
                then 'baseline'
        end as time_window
    from record_themes
    inner join quality_records
        on record_themes.record_key = quality_records.record_key
    inner join signal_windows
        on quality_records.source = signal_windows.source

),

unit_records as (

    -- Each themed record counts once at its location (resolved locations only) and once
    -- at its directorate (when known).
    select
        record_key,
        record_id,
        theme_id,
        source,
        record_month,
        severity_score,
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
        record_key,
        record_id,
        theme_id,
        source,
        record_month,
        severity_score,
        time_window,
        'directorate' as unit_level,
        directorate as unit_id,
        directorate as unit_name,
        directorate
    from themed_records
    where time_window is not null
        and directorate is not null

)

select * from unit_records
