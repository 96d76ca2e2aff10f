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
    a third of the time (docs/performance-log.md, "Keyword rules by groups").
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
                    case when {{ keyword_rule_affirmed(text, rule) }}
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

{#
    Contexts in which a narrative's keyword says the thing did not happen, or happened
    before: "no signs of infection", "did not fall", "no pressure damage noted", "was not
    restrained", "previous fall at home in 2019", "history of DVT", "fell asleep", "GP
    surgery", "life-threatening". An independent probe's 40 incident and complaint
    narratives got 19 false themes from such words. Only a finding's own negation voids
    every theme's keyword: elsewhere "no" and "not" name the problem ("no pain relief
    given", "no hoist available", "no safeguarding referral made"), so plain negation voids
    only the themes of an event that either happened or did not (falls, pressure damage,
    restraint), and a history only the themes a patient's history often names. Returns
    {before, after}: regular expressions (RE2, case-insensitive) of what may stand
    immediately before or after a match to void it.
#}
{% macro keyword_voiding_contexts(theme_id) %}
    {%- set finding = "\\b(?:no (?:signs?|evidence|indication) of|nil|denie[sd]|negative for|ruled out|free (?:of|from)|not (?:suggestive|indicative) of)\\s+" -%}
    {%- set event = "(?:\\b(?:no|not|never|without)|n't)\\s+(?:(?:any|further|new|obvious|apparent|recent|physically|significant|actual|active)\\s+)?" -%}
    {%- set history = "\\b(?:history of|previous(?:ly)?|prior|h/o|hx of|known)\\s+" -%}
    {%- set before = [finding] -%}
    {%- if theme_id in ('falls', 'pressure_ulcers', 'violence_restraint') -%}
        {%- do before.append(event) -%}
    {%- endif -%}
    {%- if theme_id in ('falls', 'pressure_ulcers', 'vte', 'infection') -%}
        {%- do before.append(history) -%}
    {%- endif -%}
    {%- if theme_id == 'surgery_procedures' -%}
        {#- A practice's premises, or an organisation's rules ("policies and procedures"). -#}
        {%- do before.append("\\b(?:gp|doctors?'?s?|dental|medical|village|polic(?:y|ies)(?: and)?|(?:standard )?operating|safety|emergency|escalation|internal|fire|smoke|complaints?|disciplinary|administrative|reporting|its|their|our)\\s+") -%}
    {%- endif -%}
    {%- if theme_id == 'violence_restraint' -%}
        {%- do before.append("\\blife[- ]") -%}
    {%- endif -%}
    {%- set after = {
        'falls': "\\s+(?:asleep|ill|pregnant|short|behind|apart|silent|through the (?:cracks|net)|on deaf ears|within|under)\\b",
        'infection': "\\s+(?:incidents?|cases?|events?|occurrences?|failings?)\\b",
        'surgery_procedures': "\\s+(?:for|in place|and (?:polic(?:y|ies)|protocols?|guidance)|were not followed)\\b",
    }.get(theme_id) -%}
    {{ return({'before': '(?:' ~ (before | join('|')) ~ ')', 'after': after}) }}
{% endmacro %}

{#
    Whether narrative rule `rule` matches `text` at least once outside the contexts that
    void it (keyword_voiding_contexts): it matches more often than it matches in them. FFT
    rules match as they are ("no parking" is the complaint).
#}
{% macro keyword_rule_affirmed(text, rule) -%}
    {%- set pattern = '(?:' ~ rule.pattern ~ ')' -%}
    {%- if rule.rule_set != 'narrative' -%}
    regexp_matches({{ text }}, {{ sql_string(rule.pattern) }}, 'i')
    {%- else -%}
    {%- set voiding = keyword_voiding_contexts(rule.theme_id) -%}
    (regexp_matches({{ text }}, {{ sql_string(rule.pattern) }}, 'i')
        and len(regexp_extract_all({{ text }}, {{ sql_string('(?i)' ~ pattern) }}))
            > len(regexp_extract_all({{ text }}, {{ sql_string('(?i)' ~ voiding.before ~ pattern) }}))
            {%- if voiding.after %}
            + len(regexp_extract_all({{ text }}, {{ sql_string('(?i)' ~ pattern ~ voiding.after) }}))
            {%- endif %})
    {%- endif -%}
{%- endmacro %}

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
    {%- set voiding = {} -%}
    {%- for rule in theme_keyword_rules() -%}
        {%- do voiding.update({rule.theme_id: keyword_voiding_contexts(rule.theme_id)}) -%}
    {%- endfor -%}
    {{ local_md5(tojson([theme_keyword_rules(), voiding])) }}
{%- endmacro %}
