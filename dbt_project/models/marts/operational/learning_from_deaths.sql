{#- The six SJR phases, in the form's order (canonical score_<phase> columns). -#}
{%- set phases = [
    'admission', 'ongoing_care', 'procedure', 'perioperative', 'end_of_life', 'overall',
] -%}

with

sjr_reviews as (

    select * from {{ ref('int_sjr_reviews_deduplicated') }}

),

quality_records as (

    select * from {{ ref('int_quality_records_unioned') }}

),

located_reviews as (

    -- Learning from Deaths reports deaths by the quarter they occurred in, so a review
    -- counts in its death's quarter (reviews finished later fill earlier quarters in).
    -- Directorate from the spine, as everywhere else.
    select
        cast(date_trunc('quarter', sjr_reviews.death_date) as date) as quarter_start,
        quality_records.directorate,
        {%- for phase in phases %}
        sjr_reviews.score_{{ phase }},
        {%- endfor %}
        sjr_reviews.avoidability,
        sjr_reviews.has_learning_disability,
        sjr_reviews.is_second_stage_review
    from sjr_reviews
    inner join quality_records
        on {{ record_key('sjr', 'sjr_reviews.review_id') }} = quality_records.record_key

),

judged_reviews as (

    -- A phase scored 1 (very poor) or 2 (poor) is poor care and triggers a second-stage
    -- review. A null score means the phase did not apply: it is neither scored nor poor.
    -- The last three of the six avoidability labels mean the death was more likely than not
    -- due to problems in care (the national PSII requirement).
    select
        quarter_start,
        directorate,
        {%- for phase in phases %}
        score_{{ phase }} between 1 and 5 as is_{{ phase }}_scored,
        score_{{ phase }} between 1 and 2 as is_{{ phase }}_poor,
        {%- endfor %}
        coalesce(
            {%- for phase in phases %}
            score_{{ phase }} between 1 and 2{{ ' or' if not loop.last }}
            {%- endfor %},
            false
        ) as is_second_stage_triggered,
        avoidability is not null as is_avoidability_judged,
        avoidability in ('probably_avoidable', 'strong_evidence', 'definitely_avoidable')
            as is_more_likely_than_not_avoidable,
        has_learning_disability,
        is_second_stage_review
    from located_reviews

),

counted as (

    select
        quarter_start,
        directorate,
        count(*) as reviews_count,
        {%- for phase in phases %}
        count(*) filter (where is_{{ phase }}_scored) as {{ phase }}_scored_count,
        count(*) filter (where is_{{ phase }}_poor) as {{ phase }}_poor_care_count,
        {%- endfor %}
        count(*) filter (where is_avoidability_judged) as avoidability_judged_count,
        count(*) filter (where is_more_likely_than_not_avoidable)
            as more_likely_than_not_avoidable_count,
        count(*) filter (where has_learning_disability) as leder_referral_count,
        count(*) filter (where is_second_stage_triggered) as second_stage_triggered_count,
        count(*) filter (where is_second_stage_review) as second_stage_review_count
    from judged_reviews
    group by quarter_start, directorate

),

quarters as (

    -- Every quarter from the first death reviewed to the last, so a quarter without
    -- reviews shows 0 rather than going missing from a trend.
    select cast(unnest(generate_series(
        min(quarter_start), max(quarter_start), interval 3 month
    )) as date) as quarter_start
    from located_reviews

),

directorates as (

    select distinct directorate
    from located_reviews

),

grid as (

    select
        quarters.quarter_start,
        directorates.directorate
    from quarters
    cross join directorates

),

final as (

    -- NHS financial years run April to March: April-June is Q1.
    select
        grid.quarter_start,
        {{ financial_year('grid.quarter_start') }} as financial_year,
        (month(grid.quarter_start) + 8) % 12 // 3 + 1 as financial_quarter,
        grid.directorate,
        coalesce(counted.reviews_count, 0) as reviews_count,
        {%- for phase in phases %}
        coalesce(counted.{{ phase }}_scored_count, 0) as {{ phase }}_scored_count,
        coalesce(counted.{{ phase }}_poor_care_count, 0) as {{ phase }}_poor_care_count,
        {%- endfor %}
        coalesce(counted.avoidability_judged_count, 0) as avoidability_judged_count,
        coalesce(counted.more_likely_than_not_avoidable_count, 0)
            as more_likely_than_not_avoidable_count,
        coalesce(counted.leder_referral_count, 0) as leder_referral_count,
        coalesce(counted.second_stage_triggered_count, 0) as second_stage_triggered_count,
        coalesce(counted.second_stage_review_count, 0) as second_stage_review_count
    from grid
    left join counted
        on grid.quarter_start = counted.quarter_start
        and grid.directorate is not distinct from counted.directorate

)

select * from final
