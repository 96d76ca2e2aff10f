-- One row per organisational unit (trust, directorate, location) x month of the optional
-- activity input: the denominator theme_spc divides monthly record counts by, its measure and
-- its unit. Empty when no activity file is supplied.

with

location_months as (

    select * from {{ ref('int_activity_location_months') }}

),

locations as (

    select * from {{ ref('locations') }}

),

activity_measures as (

    select * from {{ ref('activity_measures') }}

),

activity_months as (

    select distinct activity_month from location_months

),

location_denominators as (

    select
        'location' as unit_level,
        location_id as unit_id,
        activity_month as month,
        denominator_measure,
        cast(denominator as bigint) as denominator,
        1 as n_locations_expected,
        case when denominator is null then 0 else 1 end as n_locations_reporting
    from location_months

),

bedded_locations as (

    -- Directorate and trust rates are per 1,000 occupied bed days (the usual NHS
    -- convention for a trust's incident rate), over the seed's locations whose designated
    -- measure is bed days. Records from every location still count in the numerator.
    select
        locations.location_id,
        locations.directorate
    from locations
    inner join activity_measures
        on locations.location_type = activity_measures.location_type
    where activity_measures.measure = 'occupied_bed_days'

),

bedded_units as (

    select location_id, 'trust' as unit_level, 'trust' as unit_id from bedded_locations
    union all
    select location_id, 'directorate' as unit_level, directorate as unit_id
    from bedded_locations
    where directorate is not null

),

unit_months as (

    select
        bedded_units.unit_level,
        bedded_units.unit_id,
        activity_months.activity_month as month,
        bedded_units.location_id
    from bedded_units
    cross join activity_months

),

aggregate_denominators as (

    -- Only a month where every bedded location of the unit reports bed days gets a
    -- denominator: a missing ward would inflate the rate.
    select
        unit_months.unit_level,
        unit_months.unit_id,
        unit_months.month,
        'occupied_bed_days' as denominator_measure,
        case
            when count(location_months.occupied_bed_days) = count(*)
                then cast(sum(location_months.occupied_bed_days) as bigint)
        end as denominator,
        count(*) as n_locations_expected,
        count(location_months.occupied_bed_days) as n_locations_reporting
    from unit_months
    left join location_months
        on unit_months.location_id = location_months.location_id
        and unit_months.month = location_months.activity_month
    group by unit_months.unit_level, unit_months.unit_id, unit_months.month

),

unioned as (

    select * from location_denominators
    union all
    select * from aggregate_denominators

),

labelled as (

    select
        *,
        case denominator_measure
            when 'occupied_bed_days' then 'per 1,000 occupied bed days'
            when 'attendances' then 'per 1,000 attendances'
            else 'per 1,000 admissions'
        end as rate_unit
    from unioned

)

select * from labelled
