-- Records that end up with no theme at all, per source: they count in no signal, so a
-- growing share means the code map or the text rules need work (unmapped_codes says which).
{%- set recent_months = var('recent_months') | int %}

with

quality_records as (

    select * from {{ ref('int_quality_records_unioned') }}

),

record_themes as (

    select * from {{ ref('int_record_themes_mapped') }}

),

themed as (

    select distinct record_key from record_themes

),

narrative_records as (

    -- Sources whose every record should carry a theme. FFT is left out: most responses
    -- carry no "what could we do better?" answer to theme.
    select
        quality_records.source,
        quality_records.record_month,
        themed.record_key is not null as has_theme,
        max(quality_records.record_month) over (partition by quality_records.source)
            as latest_month
    from quality_records
    left join themed
        on quality_records.record_key = themed.record_key
    where quality_records.source in ('incidents', 'complaints', 'inquests', 'sjr', 'claims')

),

final as (

    select
        source,
        count(*) as records,
        count(*) filter (where not has_theme) as records_without_theme,
        round(100.0 * count(*) filter (where not has_theme) / count(*), 1)
            as pct_without_theme,
        count(*) filter (
            where record_month > latest_month - to_months({{ recent_months }})
        ) as recent_records,
        count(*) filter (
            where not has_theme
            and record_month > latest_month - to_months({{ recent_months }})
        ) as recent_records_without_theme
    from narrative_records
    group by source

)

select * from final
