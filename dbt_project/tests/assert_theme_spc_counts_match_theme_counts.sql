-- theme_spc loses and invents nothing: its trust-level count per theme x source x month
-- equals theme_counts' (zero where theme_counts has no row), and `all` is the sum of the
-- five sources. Returns the theme x month x source rows that disagree.

{{ config(meta={'dagster': {'ref': {'name': 'theme_spc'}}}) }}

with

theme_spc as (

    select * from {{ ref('theme_spc') }}

),

theme_counts as (

    select * from {{ ref('theme_counts') }}

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

)

select
    coalesce(trust_spc.theme_id, expected.theme_id) as theme_id,
    coalesce(trust_spc.source, expected.source) as source,
    coalesce(trust_spc.month, expected.month) as month,
    trust_spc.record_count as n_in_theme_spc,
    expected.record_count as n_in_theme_counts
from trust_spc
full outer join expected
    on trust_spc.theme_id = expected.theme_id
    and trust_spc.source = expected.source
    and trust_spc.month = expected.month
where coalesce(trust_spc.record_count, 0) <> coalesce(expected.record_count, 0)
