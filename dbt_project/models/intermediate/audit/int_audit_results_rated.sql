with

audit_results as (

    select * from {{ ref('stg_audit__results') }}

),

latest_occurrences as (

    -- A re-exported results sheet replaces the earlier figures; the occurrence read last
    -- wins.
    select *
    from audit_results
    qualify row_number() over (
        partition by audit_id, criterion
        order by _source_file desc, _source_row desc
    ) = 1

),

rated as (

    -- RAG against the standard's own target: green when met, amber when within
    -- `audit_amber_margin_pct` percentage points below it, red otherwise. No rating without
    -- a target or a measurement.
    select
        *,
        case
            when compliance_pct is null or target_pct is null then null
            when compliance_pct >= target_pct then 'green'
            when compliance_pct >= target_pct - {{ var('audit_amber_margin_pct') }} then 'amber'
            else 'red'
        end as rag_rating
    from latest_occurrences

)

select * from rated
