-- Locations by quarter: how many themes signal there, and in how many sources. A theme
-- signals at a location in a quarter when it has at least signal_min_recent_records records
-- there and at least signal_rate_ratio times its average over the four quarters before.
with

theme_counts as (

    select * from {{ ref('theme_counts') }}

),

quarterly as (

    select
        location_id,
        min(location_name) as location_name,
        min(directorate) as directorate,
        theme_id,
        source,
        cast(date_trunc('quarter', month) as date) as quarter_start,
        cast(sum(record_count) as bigint) as records
    from theme_counts
    where location_id is not null
        and source in (
            {%- for source_name in signal_sources() %}
            '{{ source_name }}'{{ ',' if not loop.last }}
            {%- endfor %}
        )
    group by location_id, theme_id, source, date_trunc('quarter', month)

),

spine as (

    -- Every location x theme x source x quarter from the first quarter in the data, so a
    -- quarter with no records is a 0 in the trailing average, not a gap.
    select
        pairs.location_id,
        pairs.location_name,
        pairs.directorate,
        pairs.theme_id,
        pairs.source,
        cast(quarters.quarter_start as date) as quarter_start
    from (
        select distinct location_id, location_name, directorate, theme_id, source
        from quarterly
    ) as pairs
    cross join (
        select unnest(generate_series(min(quarter_start), max(quarter_start), interval 3 month))
            as quarter_start
        from quarterly
    ) as quarters

),

with_baseline as (

    select
        spine.*,
        coalesce(quarterly.records, 0) as records,
        avg(coalesce(quarterly.records, 0)) over (
            partition by spine.location_id, spine.theme_id, spine.source
            order by spine.quarter_start
            rows between 4 preceding and 1 preceding
        ) as trailing_mean,
        count(*) over (
            partition by spine.location_id, spine.theme_id, spine.source
            order by spine.quarter_start
            rows between 4 preceding and 1 preceding
        ) as trailing_quarters
    from spine
    left join quarterly
        on spine.location_id = quarterly.location_id
        and spine.theme_id = quarterly.theme_id
        and spine.source = quarterly.source
        and spine.quarter_start = quarterly.quarter_start

),

flagged as (

    select
        *,
        trailing_quarters = 4
            and records >= {{ var('signal_min_recent_records') }}
            and records >= {{ var('signal_rate_ratio') }} * trailing_mean as is_signalling
    from with_baseline

)

select
    location_id,
    min(location_name) as location_name,
    min(directorate) as directorate,
    quarter_start,
    cast(sum(records) as bigint) as records,
    count(distinct theme_id) filter (where records > 0) as themes_with_records,
    count(distinct theme_id) filter (where is_signalling) as themes_signalling,
    count(distinct source) filter (where is_signalling) as sources_signalling,
    string_agg(distinct theme_id, ', ' order by theme_id) filter (where is_signalling)
        as signalling_themes
from flagged
group by location_id, quarter_start
