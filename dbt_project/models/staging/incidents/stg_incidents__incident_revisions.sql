with

source as (

    select * from {{ source('incidents', 'incidents') }}

),

renamed as (

    select
        -- ids
        incident_id,

        -- strings
        site,
        directorate,
        specialty,
        location,
        event_type,
        category,
        subcategory,
        lfpse_safety_challenge,
        lfpse_agent,
        lfpse_process,
        physical_harm,
        psychological_harm,
        -- Harm is graded per patient and per kind; the incident's harm is the worst of both.
        -- greatest() ignores nulls, so one graded kind is enough.
        case greatest({{ harm_rank('physical_harm') }}, {{ harm_rank('psychological_harm') }})
            when 0 then 'none'
            when 1 then 'low'
            when 2 then 'moderate'
            when 3 then 'severe'
            when 4 then 'fatal'
        end as worst_harm,
        never_event_type,
        status as incident_status,
        patient_age_band,
        description,
        action_taken,

        -- booleans
        is_never_event,
        is_duty_of_candour,
        is_mental_health_act,
        is_mental_capacity_act,
        has_learning_disability,
        is_safeguarding,
        meets_mnsi_criteria,

        -- dates
        occurred_date,
        reported_date,

        -- timestamps
        updated_at,

        -- lineage
        _source_file,
        _source_row,
        _mapping

    from source

)

select * from renamed
