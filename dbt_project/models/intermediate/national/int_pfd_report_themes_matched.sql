{#- Coroners' concerns are read with the same keyword rules as the trust's own inquests. -#}
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
        {{ matched_keyword_rules("'narrative'", 'concerns') }} as matched_rules
    from latest_reports
    where concerns is not null

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
