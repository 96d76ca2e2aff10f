{#
    A custom schema name is used verbatim (`staging`, `intermediate`, `marts`, `reference`)
    instead of dbt's default `<target schema>_<custom schema>`: BI tools and the Dagster
    assets address these schemas by name. Nodes without a custom schema land in the
    target schema.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
