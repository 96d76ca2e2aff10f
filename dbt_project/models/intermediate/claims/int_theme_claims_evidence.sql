-- One row per theme x directorate with claims: how many claims of the theme the directorate
-- has had (whenever the incident) and what they are worth, the cost evidence psirp marts
-- show beside the signal.

with

claim_themes as (

    select * from {{ ref('int_claim_themes_costed') }}

)

select
    theme_id,
    directorate,
    count(*) as claims_count,
    count(*) filter (where claim_status = 'open') as claims_open_count,
    round(sum(damages_paid + defence_costs + claimant_costs + reserve), 2)
        as claims_total_value
from claim_themes
where theme_id <> 'all'
group by theme_id, directorate
