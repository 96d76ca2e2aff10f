with

source as (

    select * from {{ source('loader', 'flagged_rows') }}

),

renamed as (

    select
        -- strings
        source,
        entity,
        file,
        column_name,
        reason,
        mapping,

        -- numerics
        row_number

    from source

)

select * from renamed
