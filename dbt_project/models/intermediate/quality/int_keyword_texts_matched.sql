{#- The keyword rules are written into the SQL as constants: see macros/theme_keyword_rules.sql.

    Incremental: matching every FFT comment and narrative against every keyword rule is the
    costliest step of the build, and a night brings few texts it has not read. Each distinct
    text is matched once, when it first appears, and kept with the version of the rules that
    read it; rows of other versions are dropped first, so new rules read every text again
    (and a change to the rules changes the dbt inputs, which rebuilds this table in full
    anyway: pipelines.defs.dbt.selection). Texts no longer exported stay until the next full
    refresh; int_record_keyword_matches reads only the texts exported now. -#}
{{ config(
    materialized='incremental',
    pre_hook="{% if is_incremental() %}delete from {{ this }}
              where rules_version <> '{{ keyword_rules_version() }}'{% endif %}"
) }}
-- depends_on: {{ ref('theme_keywords') }}

with

keyword_texts as (

    select distinct rule_set, keyword_text from {{ ref('int_keyword_texts') }}

),

texts_unread as (

    select keyword_texts.*
    from keyword_texts
{%- if is_incremental() %}
    anti join {{ this }} as matched
        on keyword_texts.rule_set = matched.rule_set
        and keyword_texts.keyword_text = matched.keyword_text
        and matched.rules_version = '{{ keyword_rules_version() }}'
{%- endif %}

),

rules_matched as (

    select
        rule_set,
        keyword_text,
        list_filter(
            {{ matched_keyword_rules('rule_set', 'keyword_text') }}, rule -> rule is not null
        ) as matched_rules
    from texts_unread

)

-- One row per matching rule, or one with a null theme where none matches (so the text is
-- not read again).
select
    '{{ keyword_rules_version() }}' as rules_version,
    rule_set,
    keyword_text,
    matched_rule.theme_id as theme_id,
    matched_rule.pattern as evidence
from (
    select
        rule_set,
        keyword_text,
        unnest(case when len(matched_rules) > 0 then matched_rules else [null] end)
            as matched_rule
    from rules_matched
)
