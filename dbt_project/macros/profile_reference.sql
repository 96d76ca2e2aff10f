{#
    The active trust profile's reference CSVs (pipelines/lib/reference.py is the same in
    Python). A profile folder (TRIANGULATE_PROFILE, set to an absolute path by the refresh
    before dbt runs; default the shipped demo profile) holds reference/<table>.csv.

    profile_csv: the profile's file as text columns; a column the file leaves out reads
    blank, extra columns (a review sheet's score or note) are ignored, and a profile without
    the file has no rows.
    layered_reference: the profile's rows, then the product's shipped rows whose key the
    profile does not have: the trust's row wins on the same key, and upgrading Triangulate
    (new shipped seeds) never overwrites it.
#}
{% macro profile_dir() -%}
    {{ env_var('TRIANGULATE_PROFILE', '../profiles/demo') }}
{%- endmacro %}

{% macro profile_csv(table, columns) %}
    {%- set path = profile_dir() ~ '/reference/' ~ table ~ '.csv' -%}
    {%- set present = execute and run_query(
        "select count(*) from glob(" ~ sql_string(path) ~ ")").columns[0].values()[0] > 0 -%}
    {%- if present %}
    select
        {%- for column in columns %}
        nullif(trim({{ column }}), '') as {{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    from (
        select
            {%- for column in columns %}
            cast(null as varchar) as {{ column }}{{ "," if not loop.last }}
            {%- endfor %}
        where false
        union all by name
        select * from read_csv({{ sql_string(path) }}, header = true, all_varchar = true,
                               auto_detect = true)
    )
    {%- else %}
    select
        {%- for column in columns %}
        cast(null as varchar) as {{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    where false
    {%- endif %}
{% endmacro %}

{% macro layered_reference(table, shipped, keys, columns) %}
with

trust_rows as (

    {{ profile_csv(table, columns) }}

),

shipped_rows as (

    select {{ columns | join(', ') }} from {{ ref(shipped) }}

),

layered as (

    select {{ columns | join(', ') }}, 'profile' as layer from trust_rows

    union all

    select {{ columns | join(', ') }}, 'shipped' as layer
    from shipped_rows
    where not exists (
        select 1 from trust_rows
        where
        {%- for key in keys %}
            lower(trim(trust_rows.{{ key }})) = lower(trim(shipped_rows.{{ key }}))
            {{- " and" if not loop.last }}
        {%- endfor %}
    )

)

select * from layered
{% endmacro %}
