{#
    The theme_keywords seed as a list of {source, theme_id, pattern}, read when the model
    runs (the seed is built first: callers declare `-- depends_on: ref('theme_keywords')`).

    Why read the seed into the SQL instead of joining it: DuckDB compiles a regular
    expression once when the pattern is a constant, but once per row when it comes from a
    column. Joining 100,000 FFT comments to 21 patterns took 430 s that way and 0.6 s with
    the patterns written in as constants.
#}
{% macro theme_keyword_rules() %}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set rules_query -%}
        select source, theme_id, pattern
        from {{ ref('theme_keywords') }}
        where source is not null and theme_id is not null and pattern is not null
        order by source, theme_id, pattern
    {%- endset -%}
    {%- set rules = [] -%}
    {%- for row in run_query(rules_query).rows -%}
        {%- do rules.append({'source': row[0], 'theme_id': row[1], 'pattern': row[2]}) -%}
    {%- endfor -%}
    {{ return(rules) }}
{% endmacro %}

{# A SQL string literal of `value` (single quotes doubled; backslashes are literal in DuckDB). #}
{% macro sql_string(value) -%}
    '{{ value | replace("'", "''") }}'
{%- endmacro %}

{#
    A list of {theme_id, pattern} structs: the keyword rules of source `rule_source` (a SQL
    expression) whose pattern matches `text` (a SQL expression), null where a rule does not
    match. Unnest it and drop nulls to get one row per matched rule.
#}
{% macro matched_keyword_rules(rule_source, text) %}
    {%- set keyword_rules = theme_keyword_rules() -%}
    {%- set rule_sources = keyword_rules | map(attribute='source') | unique | list -%}
    {%- if rule_sources %}
    case {{ rule_source }}
        {%- for source_name in rule_sources %}
        when {{ sql_string(source_name) }} then [
            {%- for rule in keyword_rules if rule.source == source_name %}
            case when regexp_matches({{ text }}, {{ sql_string(rule.pattern) }}, 'i')
                then {
                    'theme_id': {{ sql_string(rule.theme_id) }},
                    'pattern': {{ sql_string(rule.pattern) }}
                }
            end{{ ',' if not loop.last }}
            {%- endfor %}
        ]
        {%- endfor %}
    end
    {%- else %}
    cast(null as struct(theme_id varchar, pattern varchar)[])
    {%- endif %}
{% endmacro %}
