{#- Reports are read with the same keyword rules as the trust's own inquests. The matters of
    concern say what the coroner wants changed, so they decide; where they match no rule
    (they allude to "the matters above", or are cut short), the circumstances of the death
    and the investigation are read instead. Reading those always added a theme to most
    reports from incidental words of the story ("restraint barrier", "pending discharge"). -#}
-- depends_on: {{ ref('theme_keywords') }}

with

reports as (

    select * from {{ ref('stg_pfd__reports') }}

),

latest_reports as (

    -- A report exported twice counts once: the last occurrence by file and row wins.
    select *
    from reports
    qualify row_number() over (
        partition by report_id order by _source_file desc, _source_row desc
    ) = 1

),

rules_matched_per_field as (

    select
        report_id,
        report_date,
        coroner_area,
        list_filter({{ matched_keyword_rules("'narrative'", 'concerns') }}, r -> r is not null)
            as concern_rules,
        list_filter({{ matched_keyword_rules("'narrative'", 'story') }}, r -> r is not null)
            as story_rules
    from (
        select
            *,
            nullif(concat_ws(chr(10), circumstances, investigation), '') as story
        from latest_reports
    )
    where concerns is not null or story is not null

),

rules_matched as (

    select
        report_id,
        report_date,
        coroner_area,
        case when len(concern_rules) > 0 then concern_rules else story_rules end
            as matched_rules
    from rules_matched_per_field

),

rules_unnested as (

    select
        report_id,
        report_date,
        coroner_area,
        unnest(matched_rules) as matched_rule
    from rules_matched

),

report_themes as (

    select distinct
        report_id,
        report_date,
        coroner_area,
        matched_rule.theme_id as theme_id
    from rules_unnested
    where matched_rule is not null

)

select * from report_themes
