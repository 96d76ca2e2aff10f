-- Learning from claims, the NHS Resolution scorecard view: one row per claim type x cause
-- group, with how many claims and what they are worth, each cause's rank by number and by
-- value within its claim type, and how long claims took to arrive after the incident.

with

claims as (

    select * from {{ ref('int_claims_deduplicated') }}

),

screened_values as (

    select * from {{ ref('int_free_typed_values_screened') }}

),

causes as (

    -- A cause group is typed by staff: it is shown as int_free_typed_values_screened shows
    -- it (a word outside the publishable vocabulary as '…').
    select
        coalesce(claims.claim_type, 'not recorded') as claim_type,
        coalesce(screened_values.value_shown, 'not recorded') as cause_group,
        claims.damages_paid + claims.defence_costs + claims.claimant_costs as total_paid,
        claims.damages_paid + claims.defence_costs + claims.claimant_costs + claims.reserve
            as total_value,
        date_diff('day', claims.incident_date, claims.notification_date)
            as days_incident_to_notification
    from claims
    left join screened_values
        on screened_values.source = 'claims'
        and screened_values.field = 'cause_group'
        and screened_values.value_as_exported = claims.cause_group

),

counted as (

    select
        claim_type,
        cause_group,
        count(*) as claims_notified,
        round(sum(total_paid), 2) as total_paid,
        round(sum(total_value), 2) as total_value,
        count(days_incident_to_notification) as claims_with_incident_date,
        cast(round(median(days_incident_to_notification)) as integer)
            as median_days_incident_to_notification,
        cast(round(quantile_cont(days_incident_to_notification, 0.9)) as integer)
            as p90_days_incident_to_notification
    from causes
    group by claim_type, cause_group

)

select
    claim_type,
    cause_group,
    rank() over (partition by claim_type order by claims_notified desc) as rank_by_number,
    rank() over (partition by claim_type order by total_value desc) as rank_by_value,
    claims_notified,
    total_paid,
    total_value,
    claims_with_incident_date,
    median_days_incident_to_notification,
    p90_days_incident_to_notification
from counted
