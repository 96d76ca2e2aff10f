-- Theme x organisational unit, ranked by the statistical evidence that several sources rose
-- together (theme_signals), with the SPC concern as a separate line of evidence and the
-- severity of the recent records. Documented in _triangulation__docs.md (doc block
-- triangulation_scoring); the records behind each row are in the case-level mart
-- triangulation_evidence.
with

theme_signals as (

    select * from {{ ref('theme_signals') }}

),

scores as (

    select * from {{ ref('int_theme_unit_scores') }}

),

theme_spc as (

    select * from {{ ref('theme_spc') }}

),

spc_concern as (

    -- Sources whose SPC chart for the theme at the unit shows special-cause concern in the
    -- recent window (Making Data Count rules, pipelines.spc).
    select
        theme_spc.theme_id,
        theme_spc.unit_level,
        theme_spc.unit_id,
        count(distinct theme_spc.source) as n_sources_spc_concern,
        string_agg(distinct theme_spc.source, ', ' order by theme_spc.source)
            as spc_concern_sources
    from theme_spc
    inner join theme_signals
        on theme_spc.theme_id = theme_signals.theme_id
        and theme_spc.unit_level = theme_signals.unit_level
        and theme_spc.unit_id = theme_signals.unit_id
    where theme_spc.source <> 'all'
        and theme_spc.point_type = 'special_cause_concern'
        and theme_spc.month between theme_signals.recent_start_month
            and theme_signals.recent_end_month
    group by theme_spc.theme_id, theme_spc.unit_level, theme_spc.unit_id

),

combined as (

    select
        theme_signals.* exclude (signal_rank),
        coalesce(spc_concern.n_sources_spc_concern, 0) as n_sources_spc_concern,
        spc_concern.spc_concern_sources,
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
    left join spc_concern
        on theme_signals.theme_id = spc_concern.theme_id
        and theme_signals.unit_level = spc_concern.unit_level
        and theme_signals.unit_id = spc_concern.unit_id
    left join scores
        on theme_signals.theme_id = scores.theme_id
        and theme_signals.unit_level = scores.unit_level
        and theme_signals.unit_id = scores.unit_id

)

select
    rank() over (
        partition by unit_level
        order by
            {{ evidence_order() }},
            weighted_score desc,
            total_recent_records desc
    ) as triangulation_rank,
    *
from combined
