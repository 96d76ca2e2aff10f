-- Records whose structured codes and narrative point to different themes. The code was kept
-- (a person chose it: see int_record_themes_mapped); a reviewer can recode the record or
-- add the text's theme to theme_code_map.
with

keyword_matches as (

    select * from {{ ref('int_record_keyword_matches') }}

),

record_themes as (

    select * from {{ ref('int_record_themes_mapped') }}

),

quality_records as (

    select * from {{ ref('int_quality_records_unioned') }}

),

coded_themes as (

    select
        record_key,
        list(theme_id order by theme_id) as coded_theme_ids,
        list(distinct evidence order by evidence) as codes
    from record_themes
    where method = 'code_map'
    group by record_key

),

text_only_themes as (

    -- Themes the narrative suggests that the record's codes do not give it.
    select
        keyword_matches.record_key,
        keyword_matches.source,
        keyword_matches.record_id,
        keyword_matches.theme_id as text_theme_id,
        min(keyword_matches.evidence) as text_evidence
    from keyword_matches
    inner join coded_themes
        on keyword_matches.record_key = coded_themes.record_key
    where not keyword_matches.is_primary_text
        and not list_contains(coded_themes.coded_theme_ids, keyword_matches.theme_id)
    group by keyword_matches.record_key, keyword_matches.source, keyword_matches.record_id,
        keyword_matches.theme_id

)

select
    text_only_themes.source,
    text_only_themes.record_id,
    quality_records.record_month,
    quality_records.location_id,
    quality_records.directorate,
    -- Lists as text: BI tools reading through ODBC do not all understand list columns.
    array_to_string(coded_themes.coded_theme_ids, ', ') as coded_theme_ids,
    array_to_string(coded_themes.codes, '; ') as codes,
    text_only_themes.text_theme_id,
    text_only_themes.text_evidence,
    'structured code kept' as decision
from text_only_themes
inner join coded_themes
    on text_only_themes.record_key = coded_themes.record_key
inner join quality_records
    on text_only_themes.record_key = quality_records.record_key
