with

sjr_reviews as (

    select * from {{ ref('stg_sjr__reviews') }}

),

latest_occurrences as (

    -- A review exported again after its second stage carries the final judgement; the
    -- occurrence read last wins.
    select *
    from sjr_reviews
    qualify row_number() over (
        partition by review_id
        order by _source_file desc, _source_row desc
    ) = 1

)

select * from latest_occurrences
