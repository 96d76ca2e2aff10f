with

national_requirements as (

    select * from {{ ref('psirp_national_requirements') }}

),

requirements as (

    select * from {{ ref('int_psirp_requirements') }}

),

quarters as (

    -- Every quarter from the first event to the last, so a quarter without events of a
    -- requirement shows 0 rather than no row.
    select cast(unnest(generate_series(
        min(cast(date_trunc('quarter', event_date) as date)),
        max(cast(date_trunc('quarter', event_date) as date)),
        interval 3 month
    )) as date) as quarter_start
    from national_requirements

),

counted as (

    select
        requirement,
        cast(date_trunc('quarter', event_date) as date) as quarter_start,
        count(*) as events,
        count(*) filter (where response_status = 'incident_closed') as done,
        count(*) filter (where response_status = 'incident_open') as outstanding,
        count(*) filter (where response_status = 'not_recorded') as not_recorded
    from national_requirements
    where event_date is not null
    group by all

),

final as (

    select
        requirements.requirement,
        requirements.requirement_name,
        requirements.required_response,
        quarters.quarter_start,
        coalesce(counted.events, 0) as events,
        coalesce(counted.done, 0) as done,
        coalesce(counted.outstanding, 0) as outstanding,
        coalesce(counted.not_recorded, 0) as not_recorded
    from requirements
    cross join quarters
    left join counted
        on requirements.requirement = counted.requirement
        and quarters.quarter_start = counted.quarter_start

)

select * from final
