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
        coalesce(record_codes.confidence, 1.0) as confidence,
        record_codes.model_version
    from record_codes
    inner join theme_code_map
        on record_codes.source = theme_code_map.source
        and record_codes.code_field = theme_code_map.code_field
        and lower(trim(record_codes.native_code)) = lower(trim(theme_code_map.native_code))
    where theme_code_map.theme_id is not null

)

select * from code_matches
