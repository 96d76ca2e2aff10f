-- One row per theme x unit (location or directorate) with a record in the current window:
-- per source the recent count, the expected count, the test's p- and q-value and whether it
-- signals; how many sources signal together and how improbable that is; ranked.

with

compared as (

    select * from {{ ref('int_theme_windows_compared') }}

),

combined as (

    select * from {{ ref('int_theme_units_combined') }}

),

themes as (

    select * from {{ ref('themes') }}

),

signal_windows as (

    select * from {{ ref('int_signal_windows') }}

),

current_tests as (

    select * from compared where window_id = 'current'

),

pivoted as (

    select
        current_tests.theme_id,
        current_tests.unit_level,
        current_tests.unit_id,
        min(current_tests.unit_name) as unit_name,
        min(current_tests.directorate) as directorate,
        -- Exactly one row per source, so min() just picks that row's value. Expected counts,
        -- means and ratios are rounded to 3 decimals and p/q-values to 4 significant figures
        -- for reading, and so that a rerun on the same data gives byte-identical marts
        -- whatever order DuckDB sums in.
        {%- for source_name in signal_sources() %}
        min(current_tests.recent_count) filter (where current_tests.source = '{{ source_name }}')
            as {{ source_name }}_recent_count,
        round(min(current_tests.expected_count)
              filter (where current_tests.source = '{{ source_name }}'), 3)
            as {{ source_name }}_expected_count,
        round(min(current_tests.baseline_monthly_mean)
              filter (where current_tests.source = '{{ source_name }}'), 3)
            as {{ source_name }}_baseline_monthly_mean,
        round(min(current_tests.rate_ratio)
              filter (where current_tests.source = '{{ source_name }}'), 3)
            as {{ source_name }}_rate_ratio,
        {{ significant('min(current_tests.p_value) filter (where current_tests.source = \'' ~ source_name ~ '\')') }}
            as {{ source_name }}_p_value,
        {{ significant('min(current_tests.q_value) filter (where current_tests.source = \'' ~ source_name ~ '\')') }}
            as {{ source_name }}_q_value,
        {%- endfor %}
        -- Cast back to bigint: DuckDB widens sums to int128, which Parquet and many BI
        -- drivers cannot read.
        -- Claims count once in the totals, at notification (doc block claims_lag).
        cast(sum(current_tests.recent_count) filter (where current_tests.source <> 'claims')
             as bigint) as total_recent_records,
        -- Summed as exact decimals (each count has 4): a sum of doubles depends on the order
        -- rows arrive in, and rounding to 3 places could then differ between two builds.
        cast(round(sum(cast(coalesce(current_tests.expected_count, 0) as decimal(18, 4)))
                   filter (where current_tests.source <> 'claims'), 3) as double)
            as total_expected_records
    from current_tests
    group by current_tests.theme_id, current_tests.unit_level, current_tests.unit_id

),

with_evidence as (

    select
        pivoted.*,
        coalesce(combined.n_sources_tested, 0) as n_sources_tested,
        coalesce(combined.n_sources_signalling, 0) as n_sources_signalling,
        combined.sources_signalling,
        {%- for source_name in signal_sources() %}
        {%- if source_name in ('claims', 'claims_notified') %}
        {%- set other = 'claims_notified' if source_name == 'claims' else 'claims' %}
        -- The combination counts the two claims tests as one source, `claims`: when claims
        -- signal, the test (or tests) with the smaller p-value is the one marked.
        coalesce(list_contains(string_split(combined.sources_signalling, ', '), 'claims')
                 and pivoted.{{ source_name }}_p_value
                     <= coalesce(pivoted.{{ other }}_p_value, 1.0), false)
            as {{ source_name }}_is_signalling,
        {%- else %}
        coalesce(list_contains(string_split(combined.sources_signalling, ', '),
                               '{{ source_name }}'), false) as {{ source_name }}_is_signalling,
        {%- endif %}
        {%- endfor %}
        {{ significant('coalesce(combined.several_sources_p_value, 1.0)') }}
            as several_sources_p_value,
        {{ significant('coalesce(combined.several_sources_q_value, 1.0)') }}
            as several_sources_q_value,
        {{ significant('coalesce(combined.strongest_source_p_value, 1.0)') }}
            as strongest_source_p_value
    from pivoted
    left join combined
        on pivoted.theme_id = combined.theme_id
        and pivoted.unit_level = combined.unit_level
        and pivoted.unit_id = combined.unit_id

),

ranked as (

    -- Ranked within each unit level, locations against locations and directorates against
    -- directorates: where several sources signal together, then where one signals alone,
    -- then the rest (evidence_order), then by recent records. Ties share a rank.
    select
        *,
        rank() over (
            partition by unit_level
            order by {{ evidence_order() }}, total_recent_records desc
        ) as signal_rank
    from with_evidence

)

select
    ranked.theme_id,
    themes.theme_name,
    ranked.unit_level,
    ranked.unit_id,
    ranked.unit_name,
    ranked.directorate,
    ranked.signal_rank,
    ranked.n_sources_tested,
    ranked.n_sources_signalling,
    ranked.sources_signalling,
    ranked.several_sources_p_value,
    ranked.several_sources_q_value,
    ranked.strongest_source_p_value,
    ranked.total_recent_records,
    ranked.total_expected_records,
    {%- for source_name in signal_sources() %}
    ranked.{{ source_name }}_recent_count,
    ranked.{{ source_name }}_expected_count,
    ranked.{{ source_name }}_baseline_monthly_mean,
    ranked.{{ source_name }}_rate_ratio,
    ranked.{{ source_name }}_p_value,
    ranked.{{ source_name }}_q_value,
    ranked.{{ source_name }}_is_signalling,
    {%- endfor %}
    signal_windows.recent_start_month,
    signal_windows.recent_end_month,
    signal_windows.baseline_start_month,
    signal_windows.baseline_end_month
from ranked
left join themes
    on ranked.theme_id = themes.theme_id
cross join (select distinct recent_start_month, recent_end_month, baseline_start_month,
            baseline_end_month from signal_windows) as signal_windows
