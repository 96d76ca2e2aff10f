-- The weighted score and severity mix of each theme x unit's recent records.
{%- set weights = var('triangulation_source_weights') %}

with

unit_records as (

    select * from {{ ref('int_theme_unit_records') }}

),

recent_records as (

    select
        *,
        case source
            {%- for source_name, weight in weights.items() %}
            when '{{ source_name }}' then {{ weight }}
            {%- endfor %}
        end * (1 + coalesce(severity_score, 0)) as record_points
    from unit_records
    where time_window = 'recent'
        -- Claims count once, at notification (claims_notified): see doc block claims_lag.
        and source <> 'claims'

)

select
    theme_id,
    unit_level,
    unit_id,
    round(sum(record_points), 2) as weighted_score,
    count(*) filter (where severity_score is null or severity_score <= 1)
        as recent_low_or_no_harm_count,
    count(*) filter (where severity_score = 2) as recent_moderate_count,
    count(*) filter (where severity_score >= 3) as recent_serious_or_worse_count,
    count(*) filter (where source = 'incidents' and severity_score >= 2)
        as recent_incidents_moderate_harm_or_worse,
    count(*) filter (where source = 'complaints' and severity_score = 3)
        as recent_complaints_upheld,
    count(*) filter (where source = 'inquests' and severity_score = 4)
        as recent_inquests_pfd_or_neglect,
    count(*) filter (where source = 'sjr' and severity_score >= 3)
        as recent_sjr_more_likely_than_not_avoidable,
    count(*) filter (where severity_score = 4) as recent_gravest_count
from recent_records
group by theme_id, unit_level, unit_id
