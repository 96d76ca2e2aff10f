{#
    The theme_keywords seed as a list of {rule_set, theme_id, pattern}, read when the model
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
        select rule_set, theme_id, pattern
        from {{ ref('theme_keywords') }}
        where rule_set is not null and theme_id is not null and pattern is not null
        order by rule_set, theme_id, pattern
    {%- endset -%}
    {%- set rules = [] -%}
    {%- for row in run_query(rules_query).rows -%}
        {%- do rules.append({'rule_set': row[0], 'theme_id': row[1], 'pattern': row[2]}) -%}
    {%- endfor -%}
    {{ return(rules) }}
{% endmacro %}

{# A SQL string literal of `value` (single quotes doubled; backslashes are literal in DuckDB). #}
{% macro sql_string(value) -%}
    '{{ value | replace("'", "''") }}'
{%- endmacro %}

{#
    A list of {theme_id, pattern} structs: the keyword rules of rule set `rule_set` (a SQL
    expression) whose pattern matches `text` (a SQL expression), null where a rule does not
    match. Unnest it and drop nulls to get one row per matched rule.

    A regular expression costs about as much per text however many patterns it alternates,
    and most texts match few rules: so each rule is tried only where the alternation of its
    group of rules matches, and the groups only where the alternation of the whole set does
    (exact: a rule can only match where an alternation holding it does). A large trust's
    texts were read in 2.2 s instead of 4.5-5.5 s, the real FFT comments and PFD reports in
    a third of the time (README, "Speed and memory").
#}
{% macro matched_keyword_rules(rule_set, text) %}
    {%- set keyword_rules = theme_keyword_rules() -%}
    {%- set rule_set_names = keyword_rules | map(attribute='rule_set') | unique | list -%}
    {%- if rule_set_names %}
    case {{ rule_set }}
        {%- for set_name in rule_set_names %}
        {%- set set_rules = keyword_rules | selectattr('rule_set', 'equalto', set_name) | list %}
        when {{ sql_string(set_name) }} then
            case when {{ any_keyword_rule(text, set_rules) }} then list_concat(
            {%- for group in set_rules | batch(6) %}
                case when {{ any_keyword_rule(text, group) }} then [
                {%- for rule in group %}
                    case when regexp_matches({{ text }}, {{ sql_string(rule.pattern) }}, 'i')
                        then {
                            'theme_id': {{ sql_string(rule.theme_id) }},
                            'pattern': {{ sql_string(rule.pattern) }}
                        }
                    end{{ ',' if not loop.last }}
                {%- endfor %}
                ] else [] end{{ ',' if not loop.last }}
            {%- endfor %}
            ) else [] end
        {%- endfor %}
    end
    {%- else %}
    cast(null as struct(theme_id varchar, pattern varchar)[])
    {%- endif %}
{% endmacro %}

{# Whether any of `rules` matches `text`: one regular expression alternating their patterns. #}
{% macro any_keyword_rule(text, rules) -%}
    {%- set alternatives = [] -%}
    {%- for rule in rules -%}
        {%- do alternatives.append('(?:' ~ rule.pattern ~ ')') -%}
    {%- endfor -%}
    regexp_matches({{ text }}, {{ sql_string(alternatives | join('|')) }}, 'i')
{%- endmacro %}

{# A digest of the keyword rules: what int_keyword_texts_matched keeps each text's matches under. #}
{% macro keyword_rules_version() -%}
    {{ local_md5(tojson(theme_keyword_rules())) }}
{%- endmacro %}
