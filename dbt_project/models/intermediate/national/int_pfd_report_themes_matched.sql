{#- A report is read whole, with the same keyword rules as the trust's own inquests: the
    circumstances and the investigation often say what the concerns only allude to ("the
    matters above"), and many reports publish short concerns sections. -#}
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

rules_matched as (

    select
        report_id,
        report_date,
        coroner_area,
        {{ matched_keyword_rules("'narrative'", 'report_text') }} as matched_rules
    from (
        select
            *,
            nullif(concat_ws(chr(10), circumstances, investigation, concerns), '') as report_text
        from latest_reports
    )
    where report_text is not null

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
