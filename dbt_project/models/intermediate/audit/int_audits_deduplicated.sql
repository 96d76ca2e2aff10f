with

audits as (

    select * from {{ ref('stg_audit__audits') }}

),

latest_occurrences as (

    -- The audit register is exported whole each time; the occurrence read last wins.
    select *
    from audits
    qualify row_number() over (
        partition by audit_id
        order by _source_file desc, _source_row desc
    ) = 1

)

select * from latest_occurrences
