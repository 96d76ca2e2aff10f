-- theme_spc loses and invents nothing: its trust-level count per theme x source x month
-- equals theme_counts' (zero where theme_counts has no row) in every month it charts (the
-- last spc_max_months months of each source's data, to the last month complete on the as-of
-- date), and `all` is the sum of the five sources. Returns the theme x month x source rows
-- that disagree.

{{ config(meta={'dagster': {'ref': {'name': 'theme_spc'}}}) }}

with

theme_spc as (

    select * from {{ ref('theme_spc') }}

),

theme_counts as (

    select * from {{ ref('theme_counts') }}

),

charted as (

    select
        source,
        min(month) as first_month
    from theme_spc
    group by source

),

trust_spc as (

    select
        theme_id,
        source,
        month,
        record_count
    from theme_spc
    where unit_level = 'trust'

),

expected as (

    select
        theme_id,
        source,
        month,
        sum(record_count) as record_count
    from theme_counts
    where source in (
        {%- for source_name in signal_sources() %}
        '{{ source_name }}'{{ ',' if not loop.last }}
        {%- endfor %}
    )
    group by theme_id, source, month

    union all

    select
        theme_id,
        'all' as source,
        month,
        sum(record_count) as record_count
    from theme_counts
    where source in (
        {%- for source_name in signal_sources() %}
        '{{ source_name }}'{{ ',' if not loop.last }}
        {%- endfor %}
    )
    group by theme_id, month

),

expected_charted as (

    -- A source missing from theme_spc altogether keeps all its months: they must disagree.
    -- The month in progress on the as-of date is not charted.
    select expected.*
    from expected
    left join charted
        on expected.source = charted.source
    where (charted.first_month is null or expected.month >= charted.first_month)
        and expected.month <= {{ last_complete_month() }}

)

select
    coalesce(trust_spc.theme_id, expected.theme_id) as theme_id,
    coalesce(trust_spc.source, expected.source) as source,
    coalesce(trust_spc.month, expected.month) as month,
    trust_spc.record_count as n_in_theme_spc,
    expected.record_count as n_in_theme_counts
from trust_spc
full outer join expected_charted as expected
    on trust_spc.theme_id = expected.theme_id
    and trust_spc.source = expected.source
    and trust_spc.month = expected.month
where coalesce(trust_spc.record_count, 0) <> coalesce(expected.record_count, 0)
