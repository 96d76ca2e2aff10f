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

        -- numerics
        sentiment

    from source

)

select * from renamed
