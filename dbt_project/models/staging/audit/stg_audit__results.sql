with

source as (

    select * from {{ source('audit', 'audit_results') }}

),

renamed as (

    select
        -- ids
        audit_id,

        -- strings
        criterion,

        -- numerics
        target_pct,
        numerator,
        denominator,
        -- Null, not zero, when nothing was measured (denominator missing or 0).
        100.0 * numerator / nullif(denominator, 0) as compliance_pct,

        -- lineage
        _source_file,
        _source_row,
        _mapping

    from source

)

select * from renamed
