{#- The keyword rules are written into the SQL as constants: see macros/theme_keyword_rules.sql. -#}
{#- A table, unlike the other intermediate models: matching every FFT comment and narrative
    against every keyword rule is the costliest step of the build, and two models read it. -#}
{{ config(materialized='table') }}
-- depends_on: {{ ref('theme_keywords') }}

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

),

rules_matched as (

    -- Per distinct text, the list of rules of its rule set that match (null where a rule
    -- does not): matching reads a text once however many records repeat it ("Nothing").
    select
        rule_set,
        keyword_text,
        {{ matched_keyword_rules('rule_set', 'keyword_text') }} as matched_rules
    from (select distinct rule_set, keyword_text from keyword_texts)

),

texts_matched as (

    select
        rule_set,
        keyword_text,
        matched_rule.theme_id as theme_id,
        matched_rule.pattern as evidence
    from (
        select *, unnest(matched_rules) as matched_rule
        from rules_matched
    )
    where matched_rule is not null

),

keyword_matches as (

    select
        keyword_texts.record_key,
        keyword_texts.source,
        keyword_texts.record_id,
        keyword_texts.rule_set,
        keyword_texts.is_primary_text,
        texts_matched.theme_id,
        texts_matched.evidence
    from keyword_texts
    inner join texts_matched
        on keyword_texts.rule_set = texts_matched.rule_set
        and keyword_texts.keyword_text = texts_matched.keyword_text

)

select * from keyword_matches
