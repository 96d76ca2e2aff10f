with

source as (

    select * from {{ source('fft', 'fft_responses') }}

),

renamed as (

    select
        -- ids
        response_id,

        -- strings
        setting,
        site,
        directorate,
        location,
        rating,
        collection_mode,
        comment_good,
        comment_improve,

        -- dates
        response_date,

        -- lineage
        _source_file,
        _source_row,
        _mapping

    from source

)

select * from renamed
