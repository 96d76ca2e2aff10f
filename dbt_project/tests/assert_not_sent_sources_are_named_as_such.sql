-- A national requirement whose input source the trust does not send says so in every
-- quarter: its gaps never read as a quarter that happened to have no records of it.

with

measured as (

    select * from {{ ref('int_psirp_requirements_measured') }}

),

source_inventory as (

    select * from {{ ref('stg_loader__source_inventory') }}

)

select measured.requirement, measured.quarter_start, measured.measurability_gaps
from measured
inner join source_inventory
    on measured.measurability_gaps like '%' || source_inventory.source || ' records%'
where source_inventory.state = 'not_sent'
