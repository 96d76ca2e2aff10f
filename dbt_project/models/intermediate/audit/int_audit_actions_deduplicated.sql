with

audit_actions as (

    select * from {{ ref('stg_audit__actions') }}

),

latest_occurrences as (

    -- Action plans are re-exported as items progress; the occurrence read last wins.
    select *
    from audit_actions
    qualify row_number() over (
        partition by audit_id, action_id
        order by _source_file desc, _source_row desc
    ) = 1

)

select * from latest_occurrences
