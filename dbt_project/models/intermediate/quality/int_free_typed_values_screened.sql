{#- A table: several models read it, and as a view each would recompute it. -#}
{{ config(materialized='table') }}
{%- set coder_category = "(source = 'fft' and field = 'v6_category')" %}

with

quality_records as (

    select * from {{ ref('int_quality_records_unioned') }}

),

record_codes as (

    select * from {{ ref('int_record_codes_unioned') }}

),

publishable_words as (

    select * from {{ ref('int_publishable_words') }}

),

value_ref_key as (

    select * from {{ ref('int_value_ref_key') }}

),

vocabulary as (

    select list(word) as words from publishable_words

),

unresolved_places as (

    -- Exported place values reach the marts only on records whose location did not
    -- resolve (resolved records carry the seed's values).
    unpivot (
        select
            source,
            record_id,
            location_raw as location,
            site_as_exported as site,
            directorate_as_exported as directorate,
            specialty_as_exported as specialty
        from quality_records
        where location_id is null
    )
    on location, site, directorate, specialty
    into name field value value_as_exported

),

audits as (

    select * from {{ ref('int_audits_deduplicated') }}

),

typed_values as (

    select source, field, value_as_exported, record_id from unresolved_places
    union all
    -- Published screened in audit_programme; its topic and guidance are codes (below).
    select 'audit', 'audit_title', audit_title, audit_id from audits
    union all
    -- code_field is the canonical field name, as in theme_code_map and unmapped_codes.
    select source, code_field, native_code, record_id from record_codes
    where nullif(trim(native_code), '') is not null

),

typed_records as (

    -- Each record once per value (a list field can hold a value twice). A distinct, which
    -- DuckDB spills to disk, then a count: count(distinct record_id) ran out of memory at a
    -- national year's 40M codes. The FFT coder's categories skip it: it gives a response
    -- each category at most once, and they are most of the codes.
    select distinct source, field, value_as_exported, record_id
    from typed_values
    where nullif(trim(value_as_exported), '') is not null
        and not {{ coder_category }}

),

counted as (

    select
        source,
        field,
        value_as_exported,
        count(*) as n_records,
        min(record_id) as example_record_id
    from typed_records
    group by source, field, value_as_exported

    union all

    select
        source,
        field,
        value_as_exported,
        count(*) as n_records,
        min(record_id) as example_record_id
    from typed_values
    where {{ coder_category }}
    group by source, field, value_as_exported

),

screened as (

    select
        counted.source,
        counted.field,
        counted.value_as_exported,
        {{ mask_unlisted_words('counted.value_as_exported', 'vocabulary.words') }}
            as value_shown,
        {{ value_ref('value_ref_key.ref_key',
                     ['counted.source', 'counted.field', 'counted.value_as_exported']) }}
            as value_ref,
        counted.n_records,
        counted.example_record_id
    from counted
    cross join vocabulary
    cross join value_ref_key

),

final as (

    select
        source,
        field,
        value_as_exported,
        value_shown,
        value_shown <> value_as_exported as is_withheld,
        value_ref,
        n_records,
        example_record_id
    from screened

)

select * from final
