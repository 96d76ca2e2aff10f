-- Row accounting holds for every loaded file: rows read = rows loaded + rows rejected, the
-- loaded rows are all in raw and the rejected ones are all logged; and raw holds no rows
-- from a file the loader has no record of.

{{ config(meta={'dagster': {'ref': {'name': 'load_summary'}}}) }}

with

load_summary as (

    select * from {{ ref('load_summary') }}

),

loaded_files as (

    -- The files as the loader recorded them: load_summary publishes their names screened.
    select * from {{ ref('stg_loader__loaded_files') }}

),

raw_rows as (

    select * from {{ ref('int_raw_rows_counted') }}

),

unreconciled_files as (

    select
        entity,
        file,
        'counts do not reconcile' as problem
    from load_summary
    where not is_reconciled

),

unrecorded_files as (

    select
        raw_rows.entity,
        raw_rows.file,
        'rows in raw from a file missing from raw.loaded_files' as problem
    from raw_rows
    left join loaded_files
        on raw_rows.entity = loaded_files.entity
        and raw_rows.file = loaded_files.file
    where loaded_files.file is null

)

select * from unreconciled_files
union all
select * from unrecorded_files
