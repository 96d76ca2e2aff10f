-- Known data debt, warn only: a record of a signal source dated after today (a typed year
-- such as 2052). The signal windows end at the latest month in the data, so one such record
-- shifts every window forward and empties the recent counts; correct the export. Audits are
-- left out: their report date is often a planned date, and they never set the windows.
{{ config(severity='warn') }}

with

quality_records as (

    select * from {{ ref('int_quality_records_unioned') }}

)

select
    source,
    record_id,
    record_date
from quality_records
where record_date > current_date
    and source <> 'audit'
