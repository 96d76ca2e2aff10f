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
        cast(date_trunc('month', event_date) as date) as month_start,
        count(*) as events,
        count(*) filter (where response_status = 'incident_closed') as done,
        count(*) filter (where response_status = 'incident_open') as outstanding,
        count(*) filter (where response_status = 'not_recorded') as not_recorded
    from national_requirements
    where event_date is not null
    group by all

),

months as (

    -- Each measured quarter's three months: a reader counting "to the end of the reporting
    -- month" can leave out the months after it (the quarter's later months, part-way through).
    select
        measured.*,
        cast(measured.quarter_start + to_months(offset_months) as date) as month_start
    from measured
    cross join (select unnest([0, 1, 2]) as offset_months)

),

final as (

    select
        requirements.requirement,
        requirements.requirement_name,
        requirements.required_response,
        months.quarter_start,
        months.month_start,
        months.measurability,
        months.measurability_gaps,
        coalesce(counted.events, 0) as events,
        -- What to show: never a bare 0 where the exports cannot tell.
        case
            when months.measurability = 'measurable' then cast(coalesce(counted.events, 0) as varchar)
            when coalesce(counted.events, 0) > 0 then 'at least ' || counted.events
            else 'not measurable'
        end as events_reported,
        coalesce(counted.done, 0) as done,
        coalesce(counted.outstanding, 0) as outstanding,
        coalesce(counted.not_recorded, 0) as not_recorded
    from requirements
    inner join months
        on requirements.requirement = months.requirement
    left join counted
        on requirements.requirement = counted.requirement
        and months.month_start = counted.month_start

)

select * from final
