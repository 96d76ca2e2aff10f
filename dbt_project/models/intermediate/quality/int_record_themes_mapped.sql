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

theme_keywords as (

    select * from {{ ref('theme_keywords') }}

),

code_matches as (

    -- Codes match ignoring case and surrounding spaces, as the loader matches headers.
    -- A map row with a blank theme_id marks a code as reviewed and deliberately themeless.
    select
        record_codes.record_key,
        record_codes.source,
        record_codes.record_id,
        theme_code_map.theme_id,
        'code_map' as method,
        record_codes.code_field || ': ' || record_codes.native_code as evidence,
        1 as method_strength
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

keyword_matches as (

    select
        keyword_texts.record_key,
        keyword_texts.source,
        keyword_texts.record_id,
        theme_keywords.theme_id,
        'keyword' as method,
        theme_keywords.pattern as evidence,
        2 as method_strength
    from keyword_texts
    inner join theme_keywords
        on keyword_texts.source = theme_keywords.source
        and regexp_matches(keyword_texts.keyword_text, theme_keywords.pattern, 'i')

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
