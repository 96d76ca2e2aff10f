-- One row per resolved location x month of the optional activity input, with the location's
-- seed attributes and its designated denominator measure (activity_measures seed).

with

activity as (

    select * from {{ ref('stg_activity__monthly') }}

),

location_keys as (

    select * from {{ ref('int_location_keys_resolved') }}

),

activity_measures as (

    select * from {{ ref('activity_measures') }}

),

latest_occurrences as (

    -- Overlapping extracts repeat a location-month (often with revised figures): the
    -- occurrence read last wins, per exported spelling.
    select
        *,
        {{ normalise_location('location_raw') }} as location_key
    from activity
    qualify row_number() over (
        partition by
            {{ normalise_location('location_raw') }}, {{ normalise_location('site') }},
            activity_month
        order by _source_file desc, _source_row desc
    ) = 1

),

resolved as (

    -- Locations the seeds cannot resolve are left out: their activity has no unit to
    -- belong to (add the spelling to location_aliases to bring it in).
    select
{%- for column in ['location_id', 'location_name', 'site', 'directorate', 'location_type'] %}
        {{ resolved_location(column) }} as {{ column }},
{%- endfor %}
        latest_occurrences.activity_month,
        latest_occurrences.occupied_bed_days,
        latest_occurrences.admissions,
        latest_occurrences.attendances
    from latest_occurrences
    {{ join_location_keys('latest_occurrences.location_raw', 'latest_occurrences.site') }}
    where {{ resolved_location('location_id') }} is not null

),

summed as (

    -- Two different exported spellings of one location in one month are two rows of the
    -- source system (e.g. a ward and its escalation beds): their figures add up.
    select
        location_id,
        min(location_name) as location_name,
        min(site) as site,
        min(directorate) as directorate,
        min(location_type) as location_type,
        activity_month,
        sum(occupied_bed_days) as occupied_bed_days,
        sum(admissions) as admissions,
        sum(attendances) as attendances,
        count(*) as n_export_rows
    from resolved
    group by location_id, activity_month

),

with_measure as (

    select
        summed.*,
        coalesce(activity_measures.measure, 'admissions') as denominator_measure,
        case coalesce(activity_measures.measure, 'admissions')
            when 'occupied_bed_days' then summed.occupied_bed_days
            when 'attendances' then summed.attendances
            else summed.admissions
        end as denominator
    from summed
    left join activity_measures
        on summed.location_type = activity_measures.location_type

)

select * from with_measure
