{#- A table: a dozen models and tests read it. -#}
{{ config(materialized='table') }}

with

record_codes as (

    select * from {{ ref('int_record_codes_unioned') }}

),

theme_code_map as (

    select * from {{ ref('theme_code_map') }}

),

code_matches as (

    -- Codes match ignoring case and surrounding spaces, as the loader matches headers.
    -- A map row with a blank theme_id marks a code as reviewed and deliberately themeless
    -- (generic codes such as "Other").
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
        coalesce(record_codes.confidence, 1.0) as confidence
    from record_codes
    inner join theme_code_map
        on record_codes.source = theme_code_map.source
        and record_codes.code_field = theme_code_map.code_field
        and lower(trim(record_codes.native_code)) = lower(trim(theme_code_map.native_code))
    where theme_code_map.theme_id is not null

),

keyword_matches as (

    select * from {{ ref('int_record_keyword_matches') }}

),

specifically_coded as (

    -- Records with at least one code a person chose that means a theme. The others have
    -- missing codes, or only generic or unmapped ones, so their narrative decides.
    select distinct record_key
    from code_matches
    where method = 'code_map'

),

keyword_assignments as (

    select
        keyword_matches.record_key,
        keyword_matches.source,
        keyword_matches.record_id,
        keyword_matches.theme_id,
        'keyword' as method,
        keyword_matches.evidence,
        {{ var('keyword_rule_confidence') }} as confidence,
        case
            when keyword_matches.is_primary_text and keyword_matches.source = 'fft'
                then 'keyword rule on the "what could we do better?" answer'
            when keyword_matches.is_primary_text
                then 'keyword rule on the coroner''s matters of concern'
            else 'no specific structured code (missing, generic or unmapped): the narrative decides'
        end as reason
    from keyword_matches
    left join specifically_coded
        on keyword_matches.record_key = specifically_coded.record_key
    -- Where a person chose a specific code, it wins over a rule reading their words;
    -- data_quality.coding_disagreements lists what the text suggested instead.
    where keyword_matches.is_primary_text or specifically_coded.record_key is null

),

code_assignments as (

    select
        code_matches.*,
        case code_matches.method
            when 'text_model' then 'FFT comment model: v6 category mapped by theme_code_map'
            when 'code_map' then
                case when keyword_matches.record_key is not null
                    then 'structured code, and the narrative agrees'
                    else 'structured code mapped by theme_code_map'
                end
        end as reason
    from code_matches
    left join (select distinct record_key, theme_id from keyword_matches) as keyword_matches
        on code_matches.record_key = keyword_matches.record_key
        and code_matches.theme_id = keyword_matches.theme_id

),

assignments_unioned as (

    select record_key, source, record_id, theme_id, method, evidence, confidence, reason
    from code_assignments
    union all
    select record_key, source, record_id, theme_id, method, evidence, confidence, reason
    from keyword_assignments

),

strongest_assignments as (

    -- A record carries each theme once, by its strongest method: a code chosen by a person,
    -- then a rule a person wrote, then the learned model. `evidence` is the first code or
    -- pattern that matched.
    select *
    from assignments_unioned
    qualify row_number() over (
        partition by record_key, theme_id
        order by
            case method when 'code_map' then 1 when 'keyword' then 2 else 3 end,
            evidence
    ) = 1

)

select * from strongest_assignments
