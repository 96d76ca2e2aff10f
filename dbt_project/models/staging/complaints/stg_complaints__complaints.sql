with

source as (

    select * from {{ source('complaints', 'complaints') }}

),

renamed as (

    select
        -- ids
        complaint_id,

        -- strings
        complaint_type,
        site,
        directorate,
        specialty,
        location,
        outcome,
        description,

        -- lists
        subjects,
        sub_subjects,

        -- booleans
        is_phso_referred,

        -- dates
        received_date,
        acknowledged_date,
        due_date as response_due_date,
        closed_date,

        -- lineage
        _source_file,
        _source_row,
        _mapping

    from source

)

select * from renamed
