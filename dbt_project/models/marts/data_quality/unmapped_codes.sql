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

record_themes as (

    select * from {{ ref('int_record_themes_mapped') }}

),

recent_window as (

    select * from {{ ref('int_recent_window') }}

),

themed_by_code_or_rule as (

    -- A record that some code or keyword rule already themes (an unmapped subcategory under
    -- a mapped category, an unmapped sub-subject beside a mapped KO41a subject) is not work
    -- to do: mapping its code would change nothing. The narrative model's guess does not
    -- count: a person should still decide what the code means.
    select distinct record_key
    from record_themes
    where method in ('code_map', 'keyword')

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
        count(*) filter (where themed_by_code_or_rule.record_key is null)
            as n_records_without_theme,
        count(*) filter (
            where themed_by_code_or_rule.record_key is null
                and quality_records.record_month >= recent_window.recent_start_month
        ) as n_recent_records_without_theme,
        min(quality_records.record_date) as first_seen_date,
        max(quality_records.record_date) as last_seen_date
    from unmapped
    inner join quality_records
        on unmapped.record_key = quality_records.record_key
    left join themed_by_code_or_rule
        on unmapped.record_key = themed_by_code_or_rule.record_key
    cross join recent_window
    group by unmapped.source, unmapped.code_field, unmapped.native_code
    having count(*) filter (where themed_by_code_or_rule.record_key is null) > 0

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
        counted.n_records_without_theme,
        counted.n_recent_records_without_theme,
        rank() over (
            order by counted.n_recent_records_without_theme desc,
                counted.n_records_without_theme desc
        ) as priority_rank,
        counted.first_seen_date,
        counted.last_seen_date
    from counted
    inner join screened_values
        on counted.source = screened_values.source
        and counted.code_field = screened_values.field
        and counted.native_code = screened_values.value_as_exported

)

select * from final
