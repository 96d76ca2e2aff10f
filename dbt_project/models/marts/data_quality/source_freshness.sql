-- Each source as the last refresh found it: expected or not, files, rows, newest record and
-- the freshness verdict. `triangulate status` re-judges the age against today.
with

source_inventory as (

    select * from {{ ref('stg_loader__source_inventory') }}

),

final as (

    select
        source,
        is_expected,
        state,
        files,
        rows_loaded,
        newest_record_date,
        as_of_date,
        date_diff('day', newest_record_date, as_of_date) as days_old,
        stale_after_days
    from source_inventory

)

select * from final
