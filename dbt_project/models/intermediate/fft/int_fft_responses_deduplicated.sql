with

fft_responses as (

    select * from {{ ref('stg_fft__responses') }}

),

latest_occurrences as (

    -- Overlapping supplier extracts repeat responses; the occurrence read last wins.
    select *
    from fft_responses
    qualify row_number() over (
        partition by response_id
        order by _source_file desc, _source_row desc
    ) = 1

)

select * from latest_occurrences
