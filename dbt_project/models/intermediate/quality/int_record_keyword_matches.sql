{#- A table: several models read it. Incremental as the spine is: a record's matches are its
    own texts' (int_keyword_texts_matched keeps each text's, for the rules' version, until a
    full build), so only the records whose raw rows changed are deleted and matched again. -#}
{{ config(materialized='incremental', pre_hook="{{ delete_changed_records() }}") }}
-- depends_on: {{ ref('theme_keywords') }}

with

keyword_texts as (

    select * from {{ ref('int_keyword_texts') }}
{%- if is_incremental() %}
    where {{ changed_record() }}
{%- endif %}

),

texts_matched as (

    -- Each distinct text is matched once, kept from the night it first appeared.
    select * from {{ ref('int_keyword_texts_matched') }}
    where rules_version = '{{ keyword_rules_version() }}'
        and theme_id is not null

),

keyword_matches as (

    select
        keyword_texts.record_key,
        keyword_texts.source,
        keyword_texts.record_id,
        keyword_texts.rule_set,
        keyword_texts.is_primary_text,
        texts_matched.theme_id,
        texts_matched.evidence
    from keyword_texts
    inner join texts_matched
        on keyword_texts.rule_set = texts_matched.rule_set
        and keyword_texts.keyword_text = texts_matched.keyword_text

)

select * from keyword_matches
