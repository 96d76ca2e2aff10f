-- theme_counts loses and invents nothing: per source, its record_count total equals the
-- number of record x theme pairs of dated records in the spine.

{{ config(meta={'dagster': {'ref': {'name': 'theme_counts'}}}) }}

with

theme_counts as (

    select * from {{ ref('theme_counts') }}

),

record_themes as (

    select * from {{ ref('int_record_themes_mapped') }}

),

quality_records as (

    select * from {{ ref('int_quality_records_unioned') }}

),

counted_in_mart as (

    select
        source,
        sum(record_count) as n_theme_records
    from theme_counts
    group by source

),

counted_in_spine as (

    select
        quality_records.source,
        count(*) as n_theme_records
    from record_themes
    inner join quality_records
        on record_themes.record_key = quality_records.record_key
    where quality_records.record_month is not null
    group by quality_records.source

)

select
    coalesce(counted_in_mart.source, counted_in_spine.source) as source,
    counted_in_mart.n_theme_records as n_in_theme_counts,
    counted_in_spine.n_theme_records as n_in_spine
from counted_in_mart
full outer join counted_in_spine
    on counted_in_mart.source = counted_in_spine.source
where counted_in_mart.n_theme_records is distinct from counted_in_spine.n_theme_records
