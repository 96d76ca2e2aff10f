with

source as (

    select * from {{ source('coding', 'fft_comments') }}

),

renamed as (

    select
        -- ids
        response_id,

        -- strings
        v6_categories,
        model_version,

        -- numerics
        v6_confidences,
        sentiment

    from source

)

select * from renamed
