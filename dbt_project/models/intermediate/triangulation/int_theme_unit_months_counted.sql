{#- A table: every window's theme counts are summed from it. -#}
{{ config(materialized='table') }}

-- One row per theme x organisational unit (trust, directorate, location) x signal source x
-- month with at least one record of the theme: how many, and the unit's name and directorate.

with

unit_records as (

    select * from {{ ref('int_unit_records') }}

),

record_themes as (

    select * from {{ ref('int_record_themes_mapped') }}

)

select
    record_themes.theme_id,
    unit_records.unit_level,
    unit_records.unit_id,
    unit_records.source,
    unit_records.record_month as month,
    count(*) as theme_records,
    -- One value per unit (a location's from the locations seed); carried for the series
    -- theme_spc charts (int_theme_unit_months_filled).
    min(unit_records.unit_name) as unit_name,
    min(unit_records.directorate) as directorate
from unit_records
inner join record_themes
    on unit_records.record_key = record_themes.record_key
group by
    record_themes.theme_id,
    unit_records.unit_level,
    unit_records.unit_id,
    unit_records.source,
    unit_records.record_month
