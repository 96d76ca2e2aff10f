with

quality_records as (

    select * from {{ ref('int_quality_records_unioned') }}

),

record_themes as (

    select * from {{ ref('int_record_themes_mapped') }}

),

themes as (

    select * from {{ ref('themes') }}

),

themed_records as (

    -- Undated records (an audit with no milestone dates yet) have no month to count in.
    select
        record_themes.theme_id,
        quality_records.record_month as month,
        quality_records.directorate,
        quality_records.location_id,
        quality_records.location_name,
        quality_records.source
    from record_themes
    inner join quality_records
        on record_themes.record_key = quality_records.record_key
    where quality_records.record_month is not null

),

counted as (

    select
        theme_id,
        month,
        directorate,
        location_id,
        location_name,
        source,
        count(*) as record_count
    from themed_records
    group by theme_id, month, directorate, location_id, location_name, source

),

final as (

    select
        counted.theme_id,
        themes.theme_name,
        counted.month,
        counted.directorate,
        counted.location_id,
        counted.location_name,
        counted.source,
        counted.record_count
    from counted
    left join themes
        on counted.theme_id = themes.theme_id

)

select * from final
