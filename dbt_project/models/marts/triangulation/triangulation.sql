-- Theme x organisational unit, ranked: how many sources signal, how strongly, and how
-- serious the recent records are. The scoring is documented in _triangulation__docs.md
-- (doc block triangulation_scoring); the records behind each row are in the case-level mart
-- triangulation_evidence.
with

theme_signals as (

    select * from {{ ref('theme_signals') }}

),

scores as (

    select * from {{ ref('int_theme_unit_scores') }}

),

combined as (

    select
        theme_signals.* exclude (signal_rank),
        coalesce(scores.weighted_score, 0) as weighted_score,
        coalesce(scores.recent_low_or_no_harm_count, 0) as recent_low_or_no_harm_count,
        coalesce(scores.recent_moderate_count, 0) as recent_moderate_count,
        coalesce(scores.recent_serious_or_worse_count, 0) as recent_serious_or_worse_count,
        coalesce(scores.recent_incidents_moderate_harm_or_worse, 0)
            as recent_incidents_moderate_harm_or_worse,
        coalesce(scores.recent_complaints_upheld, 0) as recent_complaints_upheld,
        coalesce(scores.recent_inquests_pfd_or_neglect, 0) as recent_inquests_pfd_or_neglect,
        coalesce(scores.recent_sjr_more_likely_than_not_avoidable, 0)
            as recent_sjr_more_likely_than_not_avoidable,
        coalesce(scores.recent_gravest_count, 0) as recent_gravest_count
    from theme_signals
    left join scores
        on theme_signals.theme_id = scores.theme_id
        and theme_signals.unit_level = scores.unit_level
        and theme_signals.unit_id = scores.unit_id

)

select
    rank() over (
        partition by unit_level
        order by n_sources_signalling desc, weighted_score desc, total_recent_records desc
    ) as triangulation_rank,
    *
from combined
