{%- set max_sources = signal_evidence_sources() %}

-- One row per theme x unit (location or directorate) tested in the current window: how
-- improbable it is that several of its sources rose together by chance, and how many did
-- (doc block signal_combination).

with

compared as (

    select * from {{ ref('int_theme_windows_compared') }}

),

source_tests as (

    -- The two claims tests (on incident and on notification date) read the same claims, so
    -- they enter the combination as one source, `claims`: the stronger of the two with a
    -- Bonferroni correction for having looked twice (doc block claims_lag). A source with
    -- fewer recent records than signal_min_records enters no smaller than signal_fdr:
    -- evidence beside other sources, never enough alone (doc block signal_minimum).
    select
        theme_id,
        unit_level,
        unit_id,
        case source when 'claims_notified' then 'claims' else source end as source,
        least(1.0, count(*) * min(case when meets_minimum then p_value
                                       else greatest(p_value, {{ var('signal_fdr') }}) end))
            as p_value,
        min(q_value) as q_value,
        bool_or(is_signalling) as is_signalling
    from compared
    where window_id = 'current'
        and p_value is not null
    group by all

),

tests as (

    select
        *,
        row_number() over theme_unit as p_rank,
        count(*) over (partition by theme_id, unit_level, unit_id) as n_sources_tested
    from source_tests
    window theme_unit as (partition by theme_id, unit_level, unit_id order by p_value, source)

),

conjunctions as (

    -- "At least r of the n sources rose" (r = 1 .. n), Fisher's partial conjunction
    -- (Benjamini and Heller): drop the r - 1 strongest sources and ask whether the rest
    -- together still rose, -2 x the sum of their log p-values against a chi-squared with
    -- 2 (n - r + 1) degrees of freedom. r = 1 is Fisher's combination of all of them.
    select
        tests.theme_id,
        tests.unit_level,
        tests.unit_id,
        levels.at_least,
        min(tests.n_sources_tested) - levels.at_least + 1 as n_combined,
        -2 * sum(ln(greatest(tests.p_value, 1e-300))) as fisher_statistic
    from tests
    inner join (
        select unnest(generate_series(1, {{ max_sources }})) as at_least
    ) as levels
        on tests.p_rank >= levels.at_least
    where levels.at_least <= tests.n_sources_tested
    group by tests.theme_id, tests.unit_level, tests.unit_id, levels.at_least

),

conjunction_p as (

    -- The chi-squared survival function with even degrees of freedom 2k:
    -- exp(-x/2) x sum over j < k of (x/2)^j / j! (k up to the number of sources).
    select
        theme_id,
        unit_level,
        unit_id,
        at_least,
        least(1.0, exp(-fisher_statistic / 2) * (
            {%- for j in range(max_sources) %}
            case when {{ j }} < n_combined
                then power(fisher_statistic / 2, {{ j }}) / {{ [1, 1, 2, 6, 24, 120, 720][j] }}
                else 0 end{{ ' +' if not loop.last }}
            {%- endfor %}
        )) as raw_p_value
    from conjunctions

),

monotone as (

    -- "At least r" implies "at least r - 1": a p-value never falls as r rises.
    select
        *,
        max(raw_p_value) over (
            partition by theme_id, unit_level, unit_id order by at_least
            rows between unbounded preceding and current row
        ) as p_value
    from conjunction_p

),

conjunction_q as (

    -- Benjamini-Hochberg across the theme x units, separately for each r.
    select
        *,
        least(1.0, min(n_tests * p_value / p_rank) over (
            partition by at_least order by p_rank desc
            rows between unbounded preceding and current row
        )) as q_value
    from (
        select
            *,
            row_number() over (partition by at_least order by p_value, theme_id, unit_level,
                               unit_id) as p_rank,
            count(*) over (partition by at_least) as n_tests
        from monotone
    )

),

per_unit as (

    select
        theme_id,
        unit_level,
        unit_id,
        min(n_sources_tested) as n_sources_tested,
        count(*) filter (where is_signalling) as n_sources_signalling_alone,
        min(p_value) as strongest_source_p_value,
        min(q_value) as strongest_source_q_value
    from tests
    group by theme_id, unit_level, unit_id

),

conjunctions_pivoted as (

    select
        theme_id,
        unit_level,
        unit_id,
        min(p_value) filter (where at_least = 2) as several_sources_p_value,
        min(q_value) filter (where at_least = 2) as several_sources_q_value,
        coalesce(max(at_least) filter (where q_value <= {{ var('signal_fdr') }}), 0)
            as n_sources_rising_together
    from conjunction_q
    group by theme_id, unit_level, unit_id

),

combined as (

    -- Sources signalling at the unit: the larger of how many rise together (partial
    -- conjunction) and how many signal on their own; they are the ones with the smallest
    -- p-values.
    select
        per_unit.*,
        coalesce(conjunctions_pivoted.several_sources_p_value, 1.0) as several_sources_p_value,
        coalesce(conjunctions_pivoted.several_sources_q_value, 1.0) as several_sources_q_value,
        greatest(per_unit.n_sources_signalling_alone,
                 coalesce(conjunctions_pivoted.n_sources_rising_together, 0))
            as n_sources_signalling
    from per_unit
    left join conjunctions_pivoted
        on per_unit.theme_id = conjunctions_pivoted.theme_id
        and per_unit.unit_level = conjunctions_pivoted.unit_level
        and per_unit.unit_id = conjunctions_pivoted.unit_id

)

select
    combined.theme_id,
    combined.unit_level,
    combined.unit_id,
    combined.n_sources_tested,
    combined.n_sources_signalling,
    string_agg(tests.source, ', ' order by tests.source)
        filter (where tests.p_rank <= combined.n_sources_signalling) as sources_signalling,
    {{ significant('combined.several_sources_p_value') }} as several_sources_p_value,
    {{ significant('combined.several_sources_q_value') }} as several_sources_q_value,
    combined.strongest_source_p_value,
    combined.strongest_source_q_value
from combined
inner join tests
    on combined.theme_id = tests.theme_id
    and combined.unit_level = tests.unit_level
    and combined.unit_id = tests.unit_id
group by all
