with

national_requirements as (

    select * from {{ ref('psirp_national_requirements') }}

),

requirements as (

    select * from {{ ref('int_psirp_requirements') }}

),

measured as (

    -- One row per requirement x quarter with incident or SJR records: can it be measured?
    select * from {{ ref('int_psirp_requirements_measured') }}

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
        measured.quarter_start,
        measured.measurability,
        measured.measurability_gaps,
        coalesce(counted.events, 0) as events,
        -- What to show: never a bare 0 where the exports cannot tell.
        case
            when measured.measurability = 'measurable' then cast(coalesce(counted.events, 0) as varchar)
            when coalesce(counted.events, 0) > 0 then 'at least ' || counted.events
            else 'not measurable'
        end as events_reported,
        coalesce(counted.done, 0) as done,
        coalesce(counted.outstanding, 0) as outstanding,
        coalesce(counted.not_recorded, 0) as not_recorded
    from requirements
    inner join measured
        on requirements.requirement = measured.requirement
    left join counted
        on requirements.requirement = counted.requirement
        and measured.quarter_start = counted.quarter_start

)

select * from final
