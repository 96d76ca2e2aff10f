{#- The keyword rules are written into the SQL as constants: see macros/theme_keyword_rules.sql. -#}
{#- A table, unlike the other intermediate models: matching every FFT comment against every
    keyword rule is the costliest step of the build, and a dozen models and tests read the
    result. As a view it was recomputed by each of them. -#}
{{ config(materialized='table') }}
-- depends_on: {{ ref('theme_keywords') }}

with

record_codes as (

    select * from {{ ref('int_record_codes_unioned') }}

),

fft_responses as (

    select * from {{ ref('int_fft_responses_deduplicated') }}

),

inquests as (

    select * from {{ ref('int_inquests_deduplicated') }}

),

theme_code_map as (

    select * from {{ ref('theme_code_map') }}

),

code_matches as (

    -- Codes match ignoring case and surrounding spaces, as the loader matches headers.
    -- A map row with a blank theme_id marks a code as reviewed and deliberately themeless.
    select
        record_codes.record_key,
        record_codes.source,
        record_codes.record_id,
        theme_code_map.theme_id,
        -- v6 categories were assigned by the comment model, not chosen by a person.
        case record_codes.code_field
            when 'v6_category' then 'text_model' else 'code_map'
        end as method,
        record_codes.code_field || ': ' || record_codes.native_code as evidence,
        case record_codes.code_field when 'v6_category' then 3 else 1 end as method_strength
    from record_codes
    inner join theme_code_map
        on record_codes.source = theme_code_map.source
        and record_codes.code_field = theme_code_map.code_field
        and lower(trim(record_codes.native_code)) = lower(trim(theme_code_map.native_code))
    where theme_code_map.theme_id is not null

),

keyword_texts as (

    -- Keyword rules read only the text that describes a problem: the FFT "what could we do
    -- better?" answer (not "what was good?", where 'the staff' is praise) and the
    -- coroner's matters of concern.
    select
        {{ record_key('fft', 'response_id') }} as record_key,
        'fft' as source,
        response_id as record_id,
        comment_improve as keyword_text
    from fft_responses
    where comment_improve is not null

    union all

    select
        {{ record_key('inquests', 'inquest_id') }} as record_key,
        'inquests' as source,
        inquest_id as record_id,
        concerns as keyword_text
    from inquests
    where concerns is not null

),

rules_matched as (

    -- Per text, the list of rules of its source that match (null where a rule does not).
    select
        record_key,
        source,
        record_id,
        {{ matched_keyword_rules('source', 'keyword_text') }} as matched_rules
    from keyword_texts

),

rules_unnested as (

    select
        record_key,
        source,
        record_id,
        unnest(matched_rules) as matched_rule
    from rules_matched

),

keyword_matches as (

    select
        record_key,
        source,
        record_id,
        matched_rule.theme_id as theme_id,
        'keyword' as method,
        matched_rule.pattern as evidence,
        2 as method_strength
    from rules_unnested
    where matched_rule is not null

),

matches_unioned as (

    select * from code_matches
    union all
    select * from keyword_matches

),

strongest_matches as (

    -- A record carries each theme once, by its strongest method: a code chosen by a person
    -- beats a keyword found in text. `evidence` is the first code or pattern that matched.
    select
        record_key,
        source,
        record_id,
        theme_id,
        method,
        evidence
    from matches_unioned
    qualify row_number() over (
        partition by record_key, theme_id
        order by method_strength, evidence
    ) = 1

)

select * from strongest_matches
