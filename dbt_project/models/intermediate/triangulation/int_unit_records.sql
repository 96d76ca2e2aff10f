-- One row per dated signal-source record x organisational unit it counts in: the trust,
-- its directorate (when known) and its location (when resolved). Audits are coverage, not
-- problems in care: they never count.

with

quality_records as (

    select * from {{ ref('int_signal_records') }}

),

signal_windows as (

    -- One row per signal source.
    select * from {{ ref('int_signal_windows') }}

),

signal_records as (

    -- Dated records only: int_signal_records holds no others (its record_month is tested not
    -- null). Not filtered again: DuckDB guesses that a filter keeps a fifth of the rows, and
    -- with that guess it built int_theme_unit_records' join on these records' 3M unit rows
    -- instead of on the themes (1.1 GB at a large trust instead of 0.4).
    select quality_records.*
    from quality_records
    inner join signal_windows
        on quality_records.source = signal_windows.source

),

unit_records as (

    select
        record_key,
        record_id,
        source,
        record_month,
        severity_score,
        'trust' as unit_level,
        'trust' as unit_id,
        'Whole trust' as unit_name,
        cast(null as varchar) as directorate
    from signal_records

    union all

    select
        record_key,
        record_id,
        source,
        record_month,
        severity_score,
        'directorate' as unit_level,
        directorate as unit_id,
        directorate as unit_name,
        directorate
    from signal_records
    where directorate is not null

    union all

    select
        record_key,
        record_id,
        source,
        record_month,
        severity_score,
        'location' as unit_level,
        location_id as unit_id,
        location_name as unit_name,
        directorate
    from signal_records
    where location_id is not null

)

select * from unit_records
