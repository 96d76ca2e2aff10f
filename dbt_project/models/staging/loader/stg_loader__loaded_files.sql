with

source as (

    select * from {{ source('loader', 'loaded_files') }}

),

renamed as (

    select
        -- strings
        source,
        entity,
        file,
        mapping,
        sha256,
        encoding,

        -- numerics
        rows_read,
        rows_loaded,
        rows_rejected

    from source

)

select * from renamed
