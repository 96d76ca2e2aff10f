with

claims as (

    select * from {{ ref('stg_claims__claims') }}

),

latest_occurrences as (

    -- The register (or NHS Resolution's listing) is exported whole each time and claims
    -- change (settled, reserve revised); the occurrence read last wins.
    select *
    from claims
    qualify row_number() over (
        partition by claim_id
        order by _source_file desc, _source_row desc
    ) = 1

)

select * from latest_occurrences
