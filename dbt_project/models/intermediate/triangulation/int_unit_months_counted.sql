{#- A table: every window's counts and exposures are summed from it. -#}
{{ config(materialized='table') }}

-- One row per organisational unit (trust, directorate, location) x signal source x month with
-- any record of the source there, themed or not: the volume a theme's count is set against.

with

unit_records as (

    select * from {{ ref('int_unit_records') }}

)

select
    unit_level,
    unit_id,
    -- A location's name and directorate come from the locations seed: min() picks the one.
    min(unit_name) as unit_name,
    min(directorate) as directorate,
    source,
    record_month as month,
    count(*) as records
from unit_records
group by unit_level, unit_id, source, record_month
