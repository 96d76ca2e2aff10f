{#- A table: several models read it, and as a view each would recompute it.

    Incremental: a night changes the records of a few export files among a large trust's
    millions, and writing the whole table again was most of its cost. Each record's row
    depends only on its own raw rows and the reference tables (whose change rebuilds it in
    full: pipelines.defs.dbt.selection), so the records whose raw rows changed (changed_record)
    are deleted and computed again, and the rest stay. -#}
{{ config(materialized='incremental', pre_hook="{{ delete_changed_records() }}") }}

with

incidents as (

    select * from {{ ref('int_incidents_deduplicated') }}

),

complaints as (

    select * from {{ ref('int_complaints_deduplicated') }}

),

fft_responses as (

    select * from {{ ref('int_fft_responses_deduplicated') }}

),

inquests as (

    select * from {{ ref('int_inquests_deduplicated') }}

),

sjr_reviews as (

    select * from {{ ref('int_sjr_reviews_deduplicated') }}

),

claims as (

    select * from {{ ref('int_claims_deduplicated') }}

),

audits as (

    select * from {{ ref('int_audits_deduplicated') }}

),

audit_results as (

    select * from {{ ref('int_audit_results_rated') }}

),

location_keys as (

    select * from {{ ref('int_location_keys_resolved') }}

),

publishable_words as (

    select * from {{ ref('int_publishable_words') }}

),

vocabulary as (

    select list(word) as words from publishable_words

),

-- One CTE per source, each projecting onto the same columns in the same order.

incident_records as (

    select
        {{ record_key('incidents', 'incident_id') }} as record_key,
        'incidents' as source,
        incident_id as record_id,
        occurred_date as record_date,
        site,
        directorate,
        specialty,
        location as location_raw,
        worst_harm as severity_label,
        concat_ws(chr(10), description, action_taken) as free_text
    from incidents

),

complaint_records as (

    select
        {{ record_key('complaints', 'complaint_id') }} as record_key,
        'complaints' as source,
        complaint_id as record_id,
        received_date as record_date,
        site,
        directorate,
        specialty,
        location as location_raw,
        outcome as severity_label,
        description as free_text
    from complaints

),

fft_records as (

    select
        {{ record_key('fft', 'response_id') }} as record_key,
        'fft' as source,
        response_id as record_id,
        response_date as record_date,
        site,
        directorate,
        cast(null as varchar) as specialty,
        location as location_raw,
        rating as severity_label,
        -- FFT comments are coded from the responses (coded.fft_comments, int_keyword_texts):
        -- nothing reads them here, and they would be most of a large trust's spine.
        cast(null as varchar) as free_text
    from fft_responses

),

inquest_records as (

    select
        {{ record_key('inquests', 'inquest_id') }} as record_key,
        'inquests' as source,
        inquest_id as record_id,
        -- The date of the care in question, as for incidents and SJRs; the hearing and any
        -- PFD report come months later.
        death_date as record_date,
        site,
        directorate,
        specialty,
        location as location_raw,
        -- A PFD report or a neglect rider says more about the care than the short-form
        -- conclusion, so it labels the case when present.
        case
            when is_pfd_issued then 'pfd_issued'
            when is_neglect_rider then 'neglect_rider'
            else conclusion
        end as severity_label,
        concerns as free_text
    from inquests

),

sjr_records as (

    select
        {{ record_key('sjr', 'review_id') }} as record_key,
        'sjr' as source,
        review_id as record_id,
        death_date as record_date,
        site,
        directorate,
        specialty,
        location as location_raw,
        avoidability as severity_label,
        reviewer_comments as free_text
    from sjr_reviews

),

claim_records as (

    select
        {{ record_key('claims', 'claim_id') }} as record_key,
        'claims' as source,
        claim_id as record_id,
        -- The date of the care claimed about, as for incidents and inquests; claims are
        -- notified years later (int_signal_records also judges them on that date).
        coalesce(incident_date, notification_date) as record_date,
        site,
        directorate,
        specialty,
        location as location_raw,
        -- Harm from the injury and what it cost: a claim closed nil established nothing; a
        -- death or brain injury is the gravest; otherwise damages paid or reserved grade it
        -- (quantum follows the severity of the injury).
        case
            when claim_status = 'closed_nil' then 'closed_nil'
            when regexp_matches(lower(injury), '{{ var("claims_gravest_injury_pattern") }}')
                then 'fatality_or_brain_injury'
            when damages_paid + reserve >= {{ var('claims_high_value_gbp') }} then 'high_value'
            when damages_paid + reserve > 0 then 'damages'
            else 'unvalued'
        end as severity_label,
        description as free_text
    from claims

),

audit_worst_ratings as (

    select
        audit_id,
        case max(case rag_rating when 'green' then 1 when 'amber' then 2 when 'red' then 3 end)
            when 1 then 'green'
            when 2 then 'amber'
            when 3 then 'red'
        end as worst_rag_rating
    from audit_results
    group by audit_id

),

audit_records as (

    select
        {{ record_key('audit', 'audits.audit_id') }} as record_key,
        'audit' as source,
        audits.audit_id as record_id,
        -- When the audit reported; earlier milestones stand in until it has.
        coalesce(
            audits.report_date,
            audits.period_end_date,
            audits.period_start_date,
            audits.registered_date
        ) as record_date,
        cast(null as varchar) as site,
        audits.directorate,
        audits.specialty,
        cast(null as varchar) as location_raw,
        -- The worst RAG rating across the audit's standards; its status until results exist.
        coalesce(audit_worst_ratings.worst_rag_rating, audits.audit_status) as severity_label,
        cast(null as varchar) as free_text
    from audits
    left join audit_worst_ratings
        on audits.audit_id = audit_worst_ratings.audit_id

),

records_unioned as (

    select * from incident_records
    union all
    select * from complaint_records
    union all
    select * from fft_records
    union all
    select * from inquest_records
    union all
    select * from sjr_records
    union all
    select * from claim_records
    union all
    select * from audit_records

),

severity_scale as (

    -- severity_score: one ordinal scale across sources, documented in _quality__docs.md
    -- (doc block severity_score). Labels absent from this list score null (not graded).
    select *
    from (
        values
            ('incidents', 'none', 0),
            ('incidents', 'low', 1),
            ('incidents', 'moderate', 2),
            ('incidents', 'severe', 3),
            ('incidents', 'fatal', 4),
            ('complaints', 'not_upheld', 0),
            ('complaints', 'withdrawn', 0),
            ('complaints', 'partially_upheld', 2),
            ('complaints', 'upheld', 3),
            ('fft', 'very_good', 0),
            ('fft', 'good', 0),
            ('fft', 'neither', 1),
            ('fft', 'poor', 2),
            ('fft', 'very_poor', 3),
            ('sjr', 'definitely_not_avoidable', 0),
            ('sjr', 'slight_evidence', 1),
            ('sjr', 'possibly_avoidable_not_likely', 2),
            ('sjr', 'probably_avoidable', 3),
            ('sjr', 'strong_evidence', 4),
            ('sjr', 'definitely_avoidable', 4),
            ('inquests', 'natural_causes', 1),
            ('inquests', 'accident_misadventure', 2),
            ('inquests', 'alcohol_drug_related', 2),
            ('inquests', 'industrial_disease', 2),
            ('inquests', 'lawful_killing', 2),
            ('inquests', 'unlawful_killing', 2),
            ('inquests', 'open', 2),
            ('inquests', 'road_traffic_collision', 2),
            ('inquests', 'stillbirth', 2),
            ('inquests', 'suicide', 2),
            ('inquests', 'narrative', 2),
            ('inquests', 'neglect_rider', 4),
            ('inquests', 'pfd_issued', 4),
            ('claims', 'closed_nil', 0),
            ('claims', 'unvalued', 1),
            ('claims', 'damages', 2),
            ('claims', 'high_value', 3),
            ('claims', 'fatality_or_brain_injury', 4),
            ('audit', 'green', 0),
            ('audit', 'amber', 2),
            ('audit', 'red', 3)
    ) as scale (source, severity_label, severity_score)

),

records_built as (

    select * from records_unioned
{%- if is_incremental() %}
    where {{ changed_record() }}
{%- endif %}

),

exported_places as (

    -- Each distinct exported location and site once: a large trust's million records name a
    -- few hundred places, and resolving or screening one reads it character by character.
    select distinct location_raw, site, directorate, specialty
    from records_built

),

places_located as (

    -- Resolved places take site, directorate and specialty from the locations seed (the
    -- export's value only where the seed leaves one blank); unresolved ones keep the
    -- exported values and have no location_id. An exported value reaches the marts only
    -- when every word of it is publishable (publishable_or_null): otherwise it could hold a
    -- name, so it is null here and int_free_typed_values_screened lists it as withheld.
    select
        exported_places.location_raw,
        exported_places.site as site_as_exported,
        exported_places.directorate as directorate_as_exported,
        exported_places.specialty as specialty_as_exported,
{%- for field in ['site', 'directorate', 'specialty'] %}
        coalesce(
            {{ resolved_location(field) }},
            {{ publishable_or_null('exported_places.' ~ field, 'vocabulary.words') }}
        ) as {{ field }},
{%- endfor %}
        {{ resolved_location('location_id') }} as location_id,
        {{ resolved_location('location_name') }} as location_name
    from exported_places
    {{ join_location_keys('exported_places.location_raw', 'exported_places.site') }}
    cross join vocabulary

),

records_located as (

    select
        records_built.record_key,
        records_built.source,
        records_built.record_id,
        records_built.record_date,
        cast(date_trunc('month', records_built.record_date) as date) as record_month,
        places_located.site,
        places_located.directorate,
        places_located.specialty,
        records_built.site as site_as_exported,
        records_built.directorate as directorate_as_exported,
        records_built.specialty as specialty_as_exported,
        records_built.location_raw,
        places_located.location_id,
        places_located.location_name,
        records_built.severity_label,
        severity_scale.severity_score,
        nullif(records_built.free_text, '') as free_text
    from records_built
    inner join places_located
        on records_built.location_raw is not distinct from places_located.location_raw
        and records_built.site is not distinct from places_located.site_as_exported
        and records_built.directorate is not distinct from places_located.directorate_as_exported
        and records_built.specialty is not distinct from places_located.specialty_as_exported
    left join severity_scale
        on records_built.source = severity_scale.source
        and records_built.severity_label = severity_scale.severity_label

)

select * from records_located
