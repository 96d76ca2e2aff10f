{#- Each measure counts in the month of its own event: received in the month received,
    acknowledgement in the month received, everything about closure in the month closed,
    open cases at the end of each month. Documented in _operational__models.yml. -#}

with

complaints as (

    select * from {{ ref('int_complaints_deduplicated') }}

),

quality_records as (

    select * from {{ ref('int_quality_records_unioned') }}

),

bank_holidays as (

    select * from {{ ref('bank_holidays') }}

),

as_of as (

    select {{ as_of_date() }} as as_of_date

),

located_complaints as (

    -- Directorate from the spine: the seed's directorate for a resolved ward, else the
    -- exported one.
    select
        complaints.complaint_id,
        complaints.complaint_type,
        quality_records.directorate,
        complaints.outcome,
        complaints.is_phso_referred,
        complaints.received_date,
        complaints.acknowledged_date,
        complaints.response_due_date,
        complaints.closed_date
    from complaints
    inner join quality_records
        on {{ record_key('complaints', 'complaints.complaint_id') }} = quality_records.record_key

),

working_days as (

    -- Monday to Friday, not a bank holiday (England and Wales, seed bank_holidays), over
    -- the span any acknowledgement deadline can fall in.
    select cast(calendar_day as date) as working_day
    from (
        select unnest(generate_series(
            min(received_date) + 1,
            max(received_date) + 21,
            interval 1 day
        )) as calendar_day
        from located_complaints
    ) as calendar
    where isodow(calendar_day) <= 5
        and cast(calendar_day as date) not in (select holiday_date from bank_holidays)

),

acknowledgement_deadlines as (

    -- "Not later than 3 working days after the day on which it receives the complaint"
    -- (2009 complaints regulations, reg. 13): the third working day after the day received,
    -- whatever day of the week that was.
    select
        located_complaints.complaint_id,
        working_days.working_day as acknowledgement_deadline
    from located_complaints
    inner join working_days
        on working_days.working_day > located_complaints.received_date
        and working_days.working_day <= located_complaints.received_date + 21
    qualify row_number() over (
        partition by located_complaints.complaint_id
        order by working_days.working_day
    ) = 3

),

months as (

    -- Every month from the first complaint received to the as-of date, so a month with no
    -- new complaints still reports the cases open at its end.
    select
        cast(month as date) as month,
        least(cast(month + interval 1 month - interval 1 day as date), as_of.as_of_date)
            as month_end_date
    from (
        select unnest(generate_series(
            date_trunc('month', min(located_complaints.received_date)),
            date_trunc('month', min(as_of.as_of_date)),
            interval 1 month
        )) as month
        from located_complaints
        cross join as_of
    ) as calendar
    cross join as_of

),

units as (

    select distinct
        directorate,
        complaint_type
    from located_complaints

),

received as (

    select
        cast(date_trunc('month', located_complaints.received_date) as date) as month,
        located_complaints.directorate,
        located_complaints.complaint_type,
        count(*) as received_count,
        count(located_complaints.acknowledged_date) as acknowledged_count,
        count(*) filter (
            where located_complaints.acknowledged_date
                <= acknowledgement_deadlines.acknowledgement_deadline
        ) as acknowledged_within_3_working_days_count
    from located_complaints
    left join acknowledgement_deadlines
        on located_complaints.complaint_id = acknowledgement_deadlines.complaint_id
    group by month, located_complaints.directorate, located_complaints.complaint_type

),

closed as (

    -- Outcome and PHSO referral count when the complaint closes: the outcome is decided
    -- then, and the final response is what offers the Ombudsman (no referral date is
    -- exported). A complaint without a due date cannot count as closed by it.
    select
        cast(date_trunc('month', closed_date) as date) as month,
        directorate,
        complaint_type,
        count(*) as closed_count,
        count(*) filter (where closed_date <= response_due_date) as closed_by_due_date_count,
        count(*) filter (where outcome = 'upheld') as upheld_count,
        count(*) filter (where outcome = 'partially_upheld') as partially_upheld_count,
        count(*) filter (where outcome = 'not_upheld') as not_upheld_count,
        count(*) filter (where outcome = 'withdrawn') as withdrawn_count,
        count(*) filter (where is_phso_referred) as phso_referred_count
    from located_complaints
    where closed_date is not null
    group by month, directorate, complaint_type

),

open_at_month_end as (

    -- Open at the month's end (or at the as-of date, for the month in progress): received
    -- by then and not closed by then. "Beyond six months": received more than six calendar
    -- months before that date, when the regulations expect the delay to be explained.
    select
        months.month,
        located_complaints.directorate,
        located_complaints.complaint_type,
        count(*) as open_at_month_end_count,
        count(*) filter (
            where located_complaints.received_date < months.month_end_date - interval 6 month
        ) as open_over_six_months_count
    from months
    inner join located_complaints
        on located_complaints.received_date <= months.month_end_date
        and (
            located_complaints.closed_date is null
            or located_complaints.closed_date > months.month_end_date
        )
    group by months.month, located_complaints.directorate, located_complaints.complaint_type

),

grid as (

    select
        months.month,
        units.directorate,
        units.complaint_type
    from months
    cross join units

),

joined as (

    -- `is not distinct from`: an unknown directorate or type is a unit of its own.
    select
        grid.month,
        grid.directorate,
        grid.complaint_type,
        coalesce(received.received_count, 0) as received_count,
        coalesce(received.acknowledged_count, 0) as acknowledged_count,
        coalesce(received.acknowledged_within_3_working_days_count, 0)
            as acknowledged_within_3_working_days_count,
        coalesce(closed.closed_count, 0) as closed_count,
        coalesce(closed.closed_by_due_date_count, 0) as closed_by_due_date_count,
        coalesce(closed.upheld_count, 0) as upheld_count,
        coalesce(closed.partially_upheld_count, 0) as partially_upheld_count,
        coalesce(closed.not_upheld_count, 0) as not_upheld_count,
        coalesce(closed.withdrawn_count, 0) as withdrawn_count,
        coalesce(closed.phso_referred_count, 0) as phso_referred_count,
        coalesce(open_at_month_end.open_at_month_end_count, 0) as open_at_month_end_count,
        coalesce(open_at_month_end.open_over_six_months_count, 0) as open_over_six_months_count
    from grid
    left join received
        on grid.month = received.month
        and grid.directorate is not distinct from received.directorate
        and grid.complaint_type is not distinct from received.complaint_type
    left join closed
        on grid.month = closed.month
        and grid.directorate is not distinct from closed.directorate
        and grid.complaint_type is not distinct from closed.complaint_type
    left join open_at_month_end
        on grid.month = open_at_month_end.month
        and grid.directorate is not distinct from open_at_month_end.directorate
        and grid.complaint_type is not distinct from open_at_month_end.complaint_type

),

fields_exported as (

    -- A measure whose field no complaints export carries is not measured: null, not 0
    -- (field_coverage says which fields the exports carry).
    select
        coalesce(bool_or(is_carried) filter (where field = 'acknowledged_date'), false)
            as has_acknowledged_date,
        coalesce(bool_or(is_carried) filter (where field = 'due_date'), false) as has_due_date,
        coalesce(bool_or(is_carried) filter (where field = 'closed_date'), false)
            as has_closed_date,
        coalesce(bool_or(is_carried) filter (where field = 'is_phso_referred'), false)
            as has_phso_referred
    from {{ ref('stg_loader__loaded_fields') }}
    where source = 'complaints'

),

final as (

    -- Percentages are null, not 0, when their denominator is 0. The upheld shares are of
    -- complaints closed with a finding (upheld, partially upheld or not upheld): withdrawn
    -- ones have none.
    select
        joined.month,
        joined.directorate,
        joined.complaint_type,
        joined.received_count,
        case when has_acknowledged_date then joined.acknowledged_count end
            as acknowledged_count,
        case when has_acknowledged_date then joined.acknowledged_within_3_working_days_count end
            as acknowledged_within_3_working_days_count,
        case when has_acknowledged_date then round(
            100.0 * joined.acknowledged_within_3_working_days_count
            / nullif(joined.received_count, 0), 2) end as pct_acknowledged_within_3_working_days,
        -- Without closed dates nothing can be counted as closed (or as still open): every
        -- complaint would read as open for ever, and its outcome as never reached.
        case when has_closed_date then joined.closed_count end as closed_count,
        case when has_closed_date and has_due_date then joined.closed_by_due_date_count end
            as closed_by_due_date_count,
        case when has_closed_date and has_due_date then round(
            100.0 * joined.closed_by_due_date_count / nullif(joined.closed_count, 0), 2) end
            as pct_closed_by_due_date,
        case when has_closed_date then joined.upheld_count end as upheld_count,
        case when has_closed_date then joined.partially_upheld_count end
            as partially_upheld_count,
        case when has_closed_date then joined.not_upheld_count end as not_upheld_count,
        case when has_closed_date then joined.withdrawn_count end as withdrawn_count,
        round(100.0 * joined.upheld_count / nullif(
            joined.upheld_count + joined.partially_upheld_count + joined.not_upheld_count, 0
        ), 2) as pct_upheld,
        round(100.0 * (joined.upheld_count + joined.partially_upheld_count) / nullif(
            joined.upheld_count + joined.partially_upheld_count + joined.not_upheld_count, 0
        ), 2) as pct_upheld_or_partially_upheld,
        case when has_closed_date and has_phso_referred then joined.phso_referred_count end
            as phso_referred_count,
        case when has_closed_date then joined.open_at_month_end_count end
            as open_at_month_end_count,
        case when has_closed_date then joined.open_over_six_months_count end
            as open_over_six_months_count,
        as_of.as_of_date
    from joined
    cross join as_of
    cross join fields_exported

)

select * from final
