{#- A table: several models read it, and as a view each would recompute it. Incremental as
    the spine is (a record's codes are its own rows' and, for an FFT response, its coded
    comment's, which the FFT coding marks as changed for every response when it codes them
    all again): only the records whose rows changed are deleted and computed again. -#}
{{ config(materialized='incremental', pre_hook="{{ delete_changed_records() }}") }}

with

incidents as (

    select * from {{ ref('int_incidents_deduplicated') }}

),

complaint_subjects as (

    select * from {{ ref('int_complaint_subjects_unnested') }}

),

inquests as (

    select * from {{ ref('int_inquests_deduplicated') }}

),

sjr_problems as (

    select * from {{ ref('int_sjr_problems_unpivoted') }}

),

fft_comments as (

    select * from {{ ref('stg_coding__fft_comments') }}

),

audits as (

    select * from {{ ref('int_audits_deduplicated') }}

),

claims as (

    select * from {{ ref('int_claims_deduplicated') }}

),

incident_codes as (

    -- One unpivot per coded field; code_field is the canonical field name, which is what
    -- theme_code_map.code_field must hold.
    unpivot (
        select
            {{ record_key('incidents', 'incident_id') }} as record_key,
            'incidents' as source,
            incident_id as record_id,
            category,
            subcategory,
            lfpse_safety_challenge,
            lfpse_agent,
            lfpse_process,
            never_event_type
        from incidents
    )
    on category, subcategory, lfpse_safety_challenge, lfpse_agent, lfpse_process,
        never_event_type
    into name code_field value native_code

),

complaint_codes as (

    select
        {{ record_key('complaints', 'complaint_id') }} as record_key,
        'complaints' as source,
        complaint_id as record_id,
        subject_field as code_field,
        subject as native_code
    from complaint_subjects

),

inquest_codes as (

    select
        {{ record_key('inquests', 'inquest_id') }} as record_key,
        'inquests' as source,
        inquest_id as record_id,
        'conclusion' as code_field,
        conclusion as native_code
    from inquests

),

sjr_codes as (

    -- Only problem types where a problem in care was found (any led_to_harm).
    select
        {{ record_key('sjr', 'review_id') }} as record_key,
        'sjr' as source,
        review_id as record_id,
        'problem_type' as code_field,
        problem_type as native_code
    from sjr_problems

),

fft_codes as (

    -- FFT answers carry no codes of their own: these are the v6 framework categories the
    -- comment model assigned to the "what could we do better?" answer.
    select
        {{ record_key('fft', 'response_id') }} as record_key,
        'fft' as source,
        response_id as record_id,
        'v6_category' as code_field,
        -- Two unnests in one select zip the lists: each category with its confidence.
        unnest(v6_categories) as native_code,
        unnest(v6_confidences) as confidence,
        model_version
    from fft_comments

),

claim_codes as (

    -- NHS Resolution's cause group and the detailed cause; injury says how bad, not what
    -- went wrong, so it grades severity (int_quality_records_unioned) and is not a code here.
    unpivot (
        select
            {{ record_key('claims', 'claim_id') }} as record_key,
            'claims' as source,
            claim_id as record_id,
            cause_group,
            cause
        from claims
    )
    on cause_group, cause
    into name code_field value native_code

),

audit_codes as (

    unpivot (
        select
            {{ record_key('audit', 'audit_id') }} as record_key,
            'audit' as source,
            audit_id as record_id,
            topic,
            guidance_reference
        from audits
    )
    on topic, guidance_reference
    into name code_field value native_code

),

codes_unioned as (

    -- confidence and model_version: null for codes a person chose; the model's for v6
    -- categories.
    select
        record_key, source, record_id, code_field, native_code,
        cast(null as double) as confidence, cast(null as varchar) as model_version
    from incident_codes
    union all
    select record_key, source, record_id, code_field, native_code, null, null from complaint_codes
    union all
    select record_key, source, record_id, code_field, native_code, null, null from inquest_codes
    union all
    select record_key, source, record_id, code_field, native_code, null, null from sjr_codes
    union all
    select record_key, source, record_id, code_field, native_code, confidence, model_version
    from fft_codes
    union all
    select record_key, source, record_id, code_field, native_code, null, null from claim_codes
    union all
    select record_key, source, record_id, code_field, native_code, null, null from audit_codes

),

distinct_codes as (

    -- unpivot already drops nulls; blanks drop here.
    select distinct
        record_key,
        source,
        record_id,
        code_field,
        native_code,
        confidence,
        model_version
    from codes_unioned
    where nullif(trim(native_code), '') is not null
{%- if is_incremental() %}
        and {{ changed_record() }}
{%- endif %}

)

select * from distinct_codes
