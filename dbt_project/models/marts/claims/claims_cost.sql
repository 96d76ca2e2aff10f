-- The cost of harm: one row per theme (and `all`) x directorate x financial year of the
-- incident, with claims notified, their state and what they have cost and may yet cost.

with

claim_themes as (

    select * from {{ ref('int_claim_themes_costed') }}

)

select
    theme_id,
    directorate,
    incident_financial_year,
    count(*) as claims_notified,
    count(*) filter (where claim_status = 'open') as claims_open,
    count(*) filter (where claim_status = 'closed_damages') as claims_closed_with_damages,
    count(*) filter (where claim_status = 'closed_nil') as claims_closed_nil,
    -- Money in GBP, to the penny (sums of doubles rounded so reruns are byte-identical).
    round(sum(damages_paid), 2) as damages_paid,
    round(sum(defence_costs), 2) as defence_costs,
    round(sum(claimant_costs), 2) as claimant_costs,
    round(sum(damages_paid + defence_costs + claimant_costs), 2) as total_paid,
    round(sum(reserve), 2) as reserve,
    round(sum(damages_paid + defence_costs + claimant_costs + reserve), 2) as total_value
from claim_themes
group by theme_id, directorate, incident_financial_year
