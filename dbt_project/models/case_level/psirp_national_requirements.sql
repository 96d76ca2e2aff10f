with

incidents as (

    select * from {{ ref('int_incidents_deduplicated') }}

),

sjr_reviews as (

    select * from {{ ref('int_sjr_reviews_deduplicated') }}

),

quality_records as (

    select * from {{ ref('int_quality_records_unioned') }}

),

requirements as (

    select * from {{ ref('int_psirp_requirements') }}

),

incidents_flagged as (

    select
        incident_id,
        occurred_date,
        incident_status,
        coalesce(is_never_event, false) as is_never_event,
        coalesce(worst_harm = 'fatal', false) as is_fatal,
        coalesce(is_mental_health_act, false) or coalesce(is_mental_capacity_act, false)
            as is_mha_or_mca,
        coalesce(meets_mnsi_criteria, false) as meets_mnsi_criteria,
        coalesce(has_learning_disability, false) as has_learning_disability,
        coalesce(is_safeguarding, false) as is_safeguarding,
        -- A child is under 18. Bands are configured per trust: the demo's is '0-17'; a band
        -- `a-b` with b under 18, or one naming under 18 / a child / a neonate, counts too.
        coalesce(
            try_cast(
                regexp_extract(trim(patient_age_band), '^\d+\s*-\s*(\d+)$', 1) as integer
            ) < 18
            or regexp_matches(
                lower(patient_age_band), '(under|<)\s*18|child|neonat|infant|paediatric'
            ),
            false
        ) as is_child,
        -- Whether the incident's own record is closed. Datix `rep_approved` says 'Finally
        -- approved' (code FA) where other systems say 'Closed'; anything else recorded is
        -- still open (awaiting review, under investigation, being reviewed ...).
        case
            when nullif(trim(incident_status), '') is null then 'not_recorded'
            when lower(trim(incident_status)) in (
                'closed', 'finally approved', 'fa', 'approved', 'complete', 'completed'
            ) then 'incident_closed'
            else 'incident_open'
        end as incident_closure
    from incidents

),

incident_requirements as (

    -- One row per incident x requirement it meets. A PSII-type requirement is judged done
    -- when the incident record is closed (the exports carry no PSII reference of its own);
    -- no export carries a referral field, so a referral's status is not recorded.
    select incident_id as record_id, occurred_date as event_date, incident_status,
        'never_event' as requirement, incident_closure as response_status
    from incidents_flagged where is_never_event
    union all
    -- Deaths where the MHA or MCA applies: incidents graded fatal are deaths reported as
    -- patient safety incidents, i.e. deaths possibly linked to care.
    select incident_id, occurred_date, incident_status,
        'mha_mca_death', incident_closure
    from incidents_flagged where is_fatal and is_mha_or_mca
    union all
    select incident_id, occurred_date, incident_status,
        'maternity_mnsi', 'not_recorded'
    from incidents_flagged where meets_mnsi_criteria
    union all
    select incident_id, occurred_date, incident_status,
        'child_death', 'not_recorded'
    from incidents_flagged where is_fatal and is_child
    union all
    select incident_id, occurred_date, incident_status,
        'learning_disability_death', 'not_recorded'
    from incidents_flagged where is_fatal and has_learning_disability
    union all
    select incident_id, occurred_date, incident_status,
        'safeguarding', 'not_recorded'
    from incidents_flagged where is_safeguarding

),

sjr_requirements as (

    -- Avoidability in the top three of the six RCP labels = more likely than not due to
    -- problems in care. An SJR carries no PSII or referral field: status not recorded.
    select review_id as record_id, death_date as event_date,
        cast(null as varchar) as incident_status,
        'avoidable_death' as requirement, 'not_recorded' as response_status
    from sjr_reviews
    where avoidability in ('probably_avoidable', 'strong_evidence', 'definitely_avoidable')
    union all
    select review_id, death_date, null,
        'learning_disability_death', 'not_recorded'
    from sjr_reviews
    where has_learning_disability

),

events as (

    select {{ record_key('incidents', 'record_id') }} as record_key, 'incidents' as source, *
    from incident_requirements
    union all
    select {{ record_key('sjr', 'record_id') }} as record_key, 'sjr' as source, *
    from sjr_requirements

),

event_records as (

    -- Only incident and SJR records can match: joined to the whole spine, most of it FFT
    -- responses, DuckDB hashed all of it (0.29 GB at a large trust, not 0.14).
    select record_key, location_id, directorate
    from quality_records
    where source in ('incidents', 'sjr')

),

final as (

    select
        events.requirement,
        requirements.requirement_name,
        events.source,
        events.record_id,
        events.event_date,
        event_records.location_id,
        event_records.directorate,
        requirements.required_response,
        requirements.referral_body,
        events.response_status,
        events.incident_status
    from events
    inner join requirements
        on events.requirement = requirements.requirement
    left join event_records
        on events.record_key = event_records.record_key

)

select * from final
