{#
    The date the operational marts judge "overdue" and "open at month end" against, as a SQL
    date expression. Set it for a reproducible rebuild (a quarter-end report, a test) with
    the dbt var `as_of_date` or the environment variable TRIANGULATE_AS_OF_DATE
    (YYYY-MM-DD; the var wins); otherwise it is the day the refresh runs (current_date),
    which is what a tracker read the morning after the nightly run should mean. Every mart
    that uses it publishes it in an `as_of_date` column.
#}
{% macro as_of_date() -%}
    {#- The environment is read only when the SQL is compiled to run (`execute`): dbt re-parses
        every file of a model whose macros read an environment variable that changed since its
        saved parse, and the as-of date changes every night (about a second of each). -#}
    {%- set configured = var('as_of_date', none)
        or (env_var('TRIANGULATE_AS_OF_DATE', '') if execute else '') -%}
    {%- if configured -%}
        cast('{{ configured | string | trim }}' as date)
    {%- else -%}
        current_date
    {%- endif -%}
{%- endmacro %}

{#
    The first day of the latest calendar month that ended on or before the as-of date (as
    pipelines.lib.reporting_period.last_complete_month): the last month whose records are all in.
#}
{% macro last_complete_month() -%}
    cast(date_trunc('month', {{ as_of_date() }} + interval 1 day) - interval 1 month as date)
{%- endmacro %}
