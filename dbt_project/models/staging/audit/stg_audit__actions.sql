with

source as (

    select * from {{ source('audit', 'audit_actions') }}

),

renamed as (

    select
        -- ids
        audit_id,
        action_id,

        -- strings
        action as action_description,
        owner as action_owner,
        status as action_status,

        -- dates
        due_date,
        completed_date,

        -- lineage
        _source_file,
        _source_row,
        _mapping

    from source

)

select * from renamed
