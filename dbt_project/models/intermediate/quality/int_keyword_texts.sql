-- Every text the keyword rules read: one row per record x text, with the rule set that reads
-- it. A view: its two readers each take it in half a second at a large trust, where writing
-- it as a table took 2-4 s.

with

fft_responses as (

    select * from {{ ref('int_fft_responses_deduplicated') }}

),

inquests as (

    select * from {{ ref('int_inquests_deduplicated') }}

),

incidents as (

    select * from {{ ref('int_incidents_deduplicated') }}

),

complaints as (

    select * from {{ ref('int_complaints_deduplicated') }}

),

sjr_reviews as (

    select * from {{ ref('int_sjr_reviews_deduplicated') }}

),

claims as (

    select * from {{ ref('int_claims_deduplicated') }}

),

keyword_texts as (

    -- The text that describes a problem, with the rule set that reads it and whether its
    -- themes always count (`primary`) or only fill in for a record with no specific code.
    -- FFT: the "what could we do better?" answer (not "what was good?", where 'the staff'
    -- is praise); it has no codes. Inquests: the coroner's matters of concern are the
    -- substance of the record, the conclusion ("narrative", "accident") is not.
    select
        {{ record_key('fft', 'response_id') }} as record_key,
        'fft' as source,
        response_id as record_id,
        'fft' as rule_set,
        comment_improve as keyword_text,
        true as is_primary_text
    from fft_responses
    where comment_improve is not null

    union all

    select
        {{ record_key('inquests', 'inquest_id') }},
        'inquests',
        inquest_id,
        'narrative',
        concerns,
        true
    from inquests
    where concerns is not null

    union all

    select
        {{ record_key('incidents', 'incident_id') }},
        'incidents',
        incident_id,
        'narrative',
        description,
        false
    from incidents
    where description is not null

    union all

    select
        {{ record_key('complaints', 'complaint_id') }},
        'complaints',
        complaint_id,
        'narrative',
        description,
        false
    from complaints
    where description is not null

    union all

    select
        {{ record_key('sjr', 'review_id') }},
        'sjr',
        review_id,
        'narrative',
        reviewer_comments,
        false
    from sjr_reviews
    where reviewer_comments is not null

    union all

    select
        {{ record_key('claims', 'claim_id') }},
        'claims',
        claim_id,
        'narrative',
        description,
        false
    from claims
    where description is not null

)

select * from keyword_texts
