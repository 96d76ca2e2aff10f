with

source as (

    select * from {{ source('loader', 'loaded_fields') }}

),

renamed as (

    select
        -- strings
        source,
        entity,
        file,
        field,
        column_name,

        -- numerics
        rows_loaded,
        rows_filled,

        -- booleans
        column_name is not null as is_carried,

        -- dates
        first_month_filled,
        last_month_filled

    from source

)

select * from renamed
