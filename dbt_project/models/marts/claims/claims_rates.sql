-- Learning from claims: one row per claim type x NHS financial year of notification, claims
-- notified per 1,000 occupied bed days and per 1,000 admissions where the optional activity
-- input covers the year, and the time from incident to notification.

with

claims as (

    select * from {{ ref('int_claims_deduplicated') }}

),

activity as (

    select * from {{ ref('int_activity_location_months') }}

),

activity_months as (

    -- The trust's activity per month (resolved locations): the denominator exists only
    -- for months the activity input covers.
    select
        activity_month,
        sum(occupied_bed_days) as occupied_bed_days,
        sum(admissions) as admissions
    from activity
    group by activity_month

),

claims_dated as (

    select
        coalesce(claims.claim_type, 'not recorded') as claim_type,
        {{ financial_year('claims.notification_date') }} as notification_financial_year,
        cast(date_trunc('month', claims.notification_date) as date) as notification_month,
        date_diff('day', claims.incident_date, claims.notification_date)
            as days_incident_to_notification
    from claims

),

years_counted as (

    select
        claim_type,
        notification_financial_year,
        count(*) as claims_notified,
        -- Only claims notified in a month with activity count against that activity.
        count(*) filter (where notification_month in (select activity_month
                                                      from activity_months))
            as claims_notified_in_activity_months,
        count(days_incident_to_notification) as claims_with_incident_date,
        cast(round(median(days_incident_to_notification)) as integer)
            as median_days_incident_to_notification
    from claims_dated
    group by claim_type, notification_financial_year

),

activity_years as (

    select
        {{ financial_year('activity_month') }} as notification_financial_year,
        count(*) as activity_months,
        sum(occupied_bed_days) as occupied_bed_days,
        sum(admissions) as admissions
    from activity_months
    group by 1

)

select
    years_counted.claim_type,
    years_counted.notification_financial_year,
    years_counted.claims_notified,
    coalesce(activity_years.activity_months, 0) as activity_months,
    cast(activity_years.occupied_bed_days as bigint) as occupied_bed_days,
    cast(activity_years.admissions as bigint) as admissions,
    round(1000.0 * years_counted.claims_notified_in_activity_months
          / nullif(activity_years.occupied_bed_days, 0), 4) as claims_per_1000_bed_days,
    round(1000.0 * years_counted.claims_notified_in_activity_months
          / nullif(activity_years.admissions, 0), 4) as claims_per_1000_admissions,
    years_counted.claims_with_incident_date,
    years_counted.median_days_incident_to_notification
from years_counted
left join activity_years
    on years_counted.notification_financial_year = activity_years.notification_financial_year
