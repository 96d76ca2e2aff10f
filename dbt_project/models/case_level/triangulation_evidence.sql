-- The records behind each triangulation row: every recent-window record of a theme x unit
-- that signals in at least one source.
with

unit_records as (

    select * from {{ ref('int_theme_unit_records') }}

),

triangulation as (

    select * from {{ ref('triangulation') }}

)

select
    unit_records.theme_id,
    unit_records.unit_level,
    unit_records.unit_id,
    unit_records.source,
    unit_records.record_id,
    unit_records.record_month,
    unit_records.severity_score
from unit_records
inner join triangulation
    on unit_records.theme_id = triangulation.theme_id
    and unit_records.unit_level = triangulation.unit_level
    and unit_records.unit_id = triangulation.unit_id
where unit_records.time_window = 'recent'
    and triangulation.n_sources_signalling > 0
