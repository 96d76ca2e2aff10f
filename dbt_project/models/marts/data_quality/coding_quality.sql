-- How well each text method themes this trust's records, measured tonight on the incidents,
-- complaints and SJRs a person filed under a specific code, beside how many records without
-- one it themed. The confidence published with each such theme in record_themes is the
-- `confidence` here.
with

measured as (

    select * from {{ ref('int_coding_quality_measured') }}

),

record_themes as (

    select * from {{ ref('int_record_themes_mapped') }}

),

themes as (

    select * from {{ ref('themes') }}

),

themed_tonight as (

    -- Records without a specific code that the method themed (where it was the strongest).
    select
        method,
        theme_id,
        count(*) as records_themed
    from record_themes
    where method in ('narrative_model', 'keyword')
        and source in ('incidents', 'complaints', 'sjr', 'claims')
    group by method, theme_id

)

select
    measured.method,
    measured.model_version,
    measured.theme_id,
    themes.theme_name,
    measured.records_evaluated,
    measured.records_with_theme,
    measured.records_predicted,
    measured.true_positives,
    round(measured.precision, 3) as precision,
    round(measured.recall, 3) as recall,
    round(
        2 * measured.true_positives
        / nullif(measured.records_with_theme + measured.records_predicted, 0),
        3
    ) as f1,
    round(measured.confidence, 3) as confidence,
    coalesce(themed_tonight.records_themed, 0) as records_themed,
    measured.evaluation
from measured
inner join themes
    on measured.theme_id = themes.theme_id
left join themed_tonight
    on measured.method = themed_tonight.method
    and measured.theme_id = themed_tonight.theme_id
