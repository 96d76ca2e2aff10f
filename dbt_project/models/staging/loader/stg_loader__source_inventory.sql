with

source as (

    select * from {{ source('loader', 'source_inventory') }}

),

renamed as (

    select
        -- strings
        source,
        state,

        -- numerics
        files,
        rows_loaded,
        stale_after_days,

        -- booleans
        is_expected,

        -- dates
        newest_record_date,
        as_of_date

    from source

)

select * from renamed
