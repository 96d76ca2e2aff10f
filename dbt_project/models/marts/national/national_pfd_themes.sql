with

report_themes as (

    select * from {{ ref('int_pfd_report_themes_matched') }}

),

themes as (

    select * from {{ ref('themes') }}

),

monthly as (

    select
        report_themes.theme_id,
        cast(date_trunc('month', report_themes.report_date) as date) as report_month,
        count(distinct report_themes.report_id) as report_count,
        count(distinct report_themes.coroner_area) as coroner_area_count
    from report_themes
    group by report_themes.theme_id, report_month

),

labelled as (

    select
        monthly.theme_id,
        themes.theme_name,
        monthly.report_month,
        monthly.report_count,
        monthly.coroner_area_count
    from monthly
    inner join themes
        on monthly.theme_id = themes.theme_id

)

select * from labelled
