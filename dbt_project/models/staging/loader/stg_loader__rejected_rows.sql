with

source as (

    select * from {{ source('loader', 'rejected_rows') }}

),

renamed as (

    -- `record` (the whole row as read, JSON) is left behind on purpose: it can carry
    -- identifiable free text and nothing downstream needs it. Read raw.rejected_rows
    -- directly to repair a row.
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
