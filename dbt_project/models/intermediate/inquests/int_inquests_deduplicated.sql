with

inquests as (

    select * from {{ ref('stg_inquests__inquests') }}

),

latest_occurrences as (

    -- The register is exported whole each time and cases change (hearing held, PFD
    -- received); the occurrence read last wins.
    select *
    from inquests
    qualify row_number() over (
        partition by inquest_id
        order by _source_file desc, _source_row desc
    ) = 1

)

select * from latest_occurrences
