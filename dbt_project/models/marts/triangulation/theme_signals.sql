with

theme_windows as (

    select * from {{ ref('int_theme_windows_compared') }}

),

themes as (

    select * from {{ ref('themes') }}

),

pivoted as (

    select
        theme_id,
        unit_level,
        unit_id,
        min(unit_name) as unit_name,
        min(directorate) as directorate,
        min(recent_start_month) as recent_start_month,
        min(recent_end_month) as recent_end_month,
        min(baseline_start_month) as baseline_start_month,
        min(baseline_end_month) as baseline_end_month,
        -- The input has exactly one row per source, so min() just picks that row's value.
        -- Means and ratios are rounded to 3 decimals for reading, and so that a rerun on the
        -- same data gives byte-identical marts whatever order DuckDB sums in.
        {%- for source_name in signal_sources() %}
        min(recent_count) filter (where source = '{{ source_name }}')
            as {{ source_name }}_recent_count,
        round(min(baseline_monthly_mean) filter (where source = '{{ source_name }}'), 3)
            as {{ source_name }}_baseline_monthly_mean,
        round(min(rate_ratio) filter (where source = '{{ source_name }}'), 3)
            as {{ source_name }}_rate_ratio,
        bool_or(is_signalling) filter (where source = '{{ source_name }}')
            as {{ source_name }}_is_signalling,
        {%- endfor %}
        count(*) filter (where is_signalling) as n_sources_signalling,
        string_agg(source, ', ' order by source) filter (where is_signalling)
            as sources_signalling,
        -- Cast back to bigint: DuckDB widens sums to int128, which Parquet and many BI
        -- drivers cannot read.
        cast(sum(recent_count) as bigint) as total_recent_records,
        round(coalesce(sum(rate_ratio), 0), 3) as summed_rate_ratio
    from theme_windows
    group by theme_id, unit_level, unit_id

),

ranked as (

    -- Ranked within each unit level: locations against locations, directorates against
    -- directorates. Ties share a rank.
    select
        *,
        rank() over (
            partition by unit_level
            order by n_sources_signalling desc, summed_rate_ratio desc, total_recent_records desc
        ) as signal_rank
    from pivoted

),

final as (

    select
        ranked.theme_id,
        themes.theme_name,
        ranked.unit_level,
        ranked.unit_id,
        ranked.unit_name,
        ranked.directorate,
        ranked.signal_rank,
        ranked.n_sources_signalling,
        ranked.sources_signalling,
        ranked.total_recent_records,
        ranked.summed_rate_ratio,
        {%- for source_name in signal_sources() %}
        ranked.{{ source_name }}_recent_count,
        ranked.{{ source_name }}_baseline_monthly_mean,
        ranked.{{ source_name }}_rate_ratio,
        ranked.{{ source_name }}_is_signalling,
        {%- endfor %}
        ranked.recent_start_month,
        ranked.recent_end_month,
        ranked.baseline_start_month,
        ranked.baseline_end_month
    from ranked
    left join themes
        on ranked.theme_id = themes.theme_id

)

select * from final
