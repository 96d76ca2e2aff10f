with

record_codes as (

    select * from {{ ref('int_record_codes_unioned') }}

),

quality_records as (

    select * from {{ ref('int_quality_records_unioned') }}

),

theme_code_map as (

    select * from {{ ref('theme_code_map') }}

),

screened_values as (

    select * from {{ ref('int_free_typed_values_screened') }}

),

unmapped as (

    -- A code is mapped when theme_code_map has a row for it, even one with a blank
    -- theme_id (reviewed, deliberately themeless). Matching as in int_record_themes_mapped.
    select
        record_codes.record_key,
        record_codes.source,
        record_codes.code_field,
        record_codes.native_code
    from record_codes
    left join theme_code_map
        on record_codes.source = theme_code_map.source
        and record_codes.code_field = theme_code_map.code_field
        and lower(trim(record_codes.native_code)) = lower(trim(theme_code_map.native_code))
    where theme_code_map.code_field is null

),

counted as (

    select
        unmapped.source,
        unmapped.code_field,
        unmapped.native_code,
        count(*) as n_records,
        min(quality_records.record_date) as first_seen_date,
        max(quality_records.record_date) as last_seen_date
    from unmapped
    inner join quality_records
        on unmapped.record_key = quality_records.record_key
    group by unmapped.source, unmapped.code_field, unmapped.native_code

),

final as (

    -- A code with a word outside the publishable vocabulary could hold a name (a complaint
    -- subject typed as the patient's name): it is shown with that word as '…'; the patient
    -- safety team finds it by value_ref in the case-level withheld_values_as_exported.
    select
        counted.source,
        counted.code_field,
        screened_values.value_shown as native_code,
        screened_values.is_withheld,
        screened_values.value_ref,
        counted.n_records,
        counted.first_seen_date,
        counted.last_seen_date
    from counted
    inner join screened_values
        on counted.source = screened_values.source
        and counted.code_field = screened_values.field
        and counted.native_code = screened_values.value_as_exported

)

select * from final
