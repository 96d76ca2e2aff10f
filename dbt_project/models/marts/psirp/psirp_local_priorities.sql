-- The PSIRP "local focus" table: one row per theme signalling somewhere, at the unit where
-- its evidence is strongest (several sources rising together, else the one source signalling),
-- the evidence per source, and the proposed learning response by the rules in _psirp__docs.md
-- (doc block learning_response_rules).
{%- set recent_months = var('recent_months') | int %}
{#- The q-value of the one source signalling (least() skips the nulls of the others). -#}
{%- set signalling_q = [] %}
{%- for source_name in signal_sources() %}
{%- do signalling_q.append('case when ' ~ source_name ~ '_is_signalling then '
                           ~ source_name ~ '_q_value end') %}
{%- endfor %}
{%- set signalling_q_value = 'least(' ~ signalling_q | join(', ') ~ ')' %}

with

triangulation as (

    select * from {{ ref('triangulation') }}

),

coverage as (

    select * from {{ ref('int_theme_audit_coverage') }}

),

claims_evidence as (

    select * from {{ ref('int_theme_claims_evidence') }}

),

signalling as (

    -- Each theme's signalling units, strongest evidence first (evidence_order within the
    -- theme: where several sources signal, by the chance of their rising together; then where
    -- one does, by its own p-value); a ward over its directorate when they tie (the ward is
    -- where to act), then the heavier score.
    select
        *,
        row_number() over (
            partition by theme_id
            order by
                {{ evidence_order(within_theme=true) }},
                case unit_level when 'location' then 0 else 1 end,
                weighted_score desc,
                unit_id
        ) as unit_order
    from triangulation
    where n_sources_signalling > 0

),

best_unit as (

    -- Where the theme is most concentrated.
    select * exclude (unit_order) from signalling where unit_order = 1

),

elsewhere as (

    select
        signalling.theme_id,
        string_agg(signalling.unit_name, ', ' order by signalling.unit_order)
            as also_signalling_in
    from signalling
    inner join best_unit
        on signalling.theme_id = best_unit.theme_id
    where signalling.unit_id <> best_unit.unit_id
        and signalling.unit_id <> best_unit.directorate
    group by signalling.theme_id

),

with_coverage as (

    select
        best_unit.*,
        elsewhere.also_signalling_in,
        coverage.last_audit_title,
        coalesce(coverage.has_audit_in_progress, false) as has_audit_in_progress,
        -- The cost of the theme's harm in the directorate: evidence shown beside the
        -- signal, never part of the ranking (doc block claims_lag); not known (null) where
        -- the trust sends no claims register.
        case when {{ source_is_sent('claims') }}
            then coalesce(claims_evidence.claims_count, 0) end as directorate_theme_claims,
        case when {{ source_is_sent('claims') }}
            then coalesce(claims_evidence.claims_open_count, 0) end
            as directorate_theme_claims_open,
        case when {{ source_is_sent('claims') }}
            then coalesce(claims_evidence.claims_total_value, 0) end
            as directorate_theme_claims_value
    from best_unit
    left join elsewhere
        on best_unit.theme_id = elsewhere.theme_id
    left join coverage
        on best_unit.theme_id = coverage.theme_id
        and best_unit.directorate = coverage.directorate
    left join claims_evidence
        on best_unit.theme_id = claims_evidence.theme_id
        and best_unit.directorate = claims_evidence.directorate

),

responses as (

    select
        *,
        case
            when n_sources_signalling >= 3 and recent_gravest_count > 0 then 'PSII'
            when has_audit_in_progress and n_sources_signalling < 3
                then 'Existing QI programme'
            when n_sources_signalling >= 2 then 'Thematic review'
            when sjr_is_signalling or inquests_is_signalling then 'MDT review'
            when unit_level = 'location' and incidents_is_signalling
                and total_recent_records <= 5 then 'SWARM huddle'
            else 'After Action Review'
        end as proposed_learning_response
    from with_coverage

)

select
    rank() over (
        order by
            {{ evidence_order() }},
            weighted_score desc,
            total_recent_records desc
    ) as priority_rank,
    theme_id,
    theme_name as issue,
    unit_level as concentrated_at_level,
    unit_id as concentrated_at_id,
    unit_name as concentrated_at,
    directorate,
    also_signalling_in,
    n_sources_tested,
    n_sources_signalling,
    sources_signalling,
    several_sources_p_value,
    several_sources_q_value,
    strongest_source_p_value,
    {%- for source_name in signal_sources() %}
    {{ source_name }}_recent_count,
    {{ source_name }}_expected_count,
    {{ source_name }}_baseline_monthly_mean,
    {{ source_name }}_rate_ratio,
    {{ source_name }}_p_value,
    {{ source_name }}_q_value,
    {{ source_name }}_is_signalling,
    {%- endfor %}
    n_sources_spc_concern,
    spc_concern_sources,
    total_recent_records,
    total_expected_records,
    recent_low_or_no_harm_count,
    recent_moderate_count,
    recent_serious_or_worse_count,
    weighted_score,
    directorate_theme_claims,
    directorate_theme_claims_open,
    directorate_theme_claims_value,
    -- Of the sources tested there: a trust that sends no claims or SJRs is not told that
    -- 2 of 6 rose.
    theme_name || ' at ' || unit_name || ': ' || n_sources_signalling || ' of '
        || n_sources_tested || ' sources '
        || 'signalling (' || sources_signalling || '), ' || total_recent_records
        -- The window as it really is: it ends with the latest month in the data, which can
        -- be the as-of date's own month, part-way through (int_signal_windows).
        || ' records ' || coalesce('from ' || strftime(recent_start_month, '%b %Y') || ' to '
            || case when {{ as_of_date() }} < last_day(recent_end_month)
                then strftime({{ as_of_date() }}, '%-d %b %Y')
                else strftime(recent_end_month, '%b %Y') end,
            'in the last {{ recent_months }} months') || ' where '
        || format('{:.1f}', total_expected_records) || ' were expected'
        -- "Serious" is severity 3-4 on each source's own scale: said in words, or a
        -- committee reads 23 very poor FFT ratings as 23 serious harms.
        || case when recent_serious_or_worse_count > 0
            then ', ' || recent_serious_or_worse_count || ' of them graded serious (severe '
                || 'or fatal harm, an upheld complaint, a very poor FFT rating, a death '
                || 'probably avoidable, a PFD or neglect finding)'
            else ', none graded serious' end
        -- The p-value is this place's alone; the q-value allows for every theme and place
        -- tested, as the signal rule does: said both ways, or "1 in 2,069" reads as proof.
        || case when n_sources_signalling >= 2
            then '; the chance of two or more sources rising this much together is '
                || {{ one_in('several_sources_p_value') }}
                || {{ chance_among_signals('several_sources_q_value') }}
            else '; the chance of ' || sources_signalling || ' rising this much is '
                || {{ one_in('strongest_source_p_value') }}
                || {{ chance_among_signals(signalling_q_value) }} end
        || case when n_sources_spc_concern > 0
            then '; SPC special-cause concern in ' || spc_concern_sources else '' end
        || case when has_audit_in_progress
            then '; audit in progress: ' || last_audit_title else '' end
        || case when directorate_theme_claims > 0
            then '; ' || directorate_theme_claims || ' claim'
                || case when directorate_theme_claims = 1 then '' else 's' end
                || ' about it in ' || directorate || ' worth '
                || {{ pounds('directorate_theme_claims_value') }}
            else '' end
        || '.' as rationale,
    proposed_learning_response,
    case proposed_learning_response
        when 'PSII' then 'safety improvement plan from the investigation''s findings, overseen by the Patient Safety Group'
        when 'Existing QI programme' then 'through the audit / QI programme already under way: act on its findings and re-audit'
        when 'Thematic review' then 'improvement plan on the contributory factors the sources share; track with theme_spc'
        when 'MDT review' then 'learning through the mortality review group; re-review deaths with SJR'
        when 'SWARM huddle' then 'local actions agreed at the huddle; watch the ward''s incident SPC chart'
        else 'team-level actions; watch theme_spc for the unit'
    end as anticipated_improvement_route,
    recent_start_month,
    recent_end_month
from responses
