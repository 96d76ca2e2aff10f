with

source as (

    select * from {{ source('audit', 'audits') }}

),

renamed as (

    select
        -- ids
        audit_id,

        -- strings
        title as audit_title,
        programme_type,
        specialty,
        directorate,
        lead as audit_lead,
        guidance_reference,
        topic,
        status as audit_status,

        -- dates
        registered_date,
        period_start as period_start_date,
        period_end as period_end_date,
        report_date,
        reaudit_date,

        -- lineage
        _source_file,
        _source_row,
        _mapping

    from source

)

select * from renamed
