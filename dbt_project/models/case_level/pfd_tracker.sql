with

inquests as (

    select * from {{ ref('int_inquests_deduplicated') }}

),

quality_records as (

    select * from {{ ref('int_quality_records_unioned') }}

),

record_themes as (

    select * from {{ ref('int_record_themes_mapped') }}

),

themes as (

    select * from {{ ref('themes') }}

),

as_of as (

    select {{ as_of_date() }} as as_of_date

),

pfd_reports as (

    -- A report was issued to the trust when the register says so, or gives its date (a
    -- date with the flag blank or unticked is still a report to answer).
    select
        inquests.inquest_id,
        inquests.coroner_area,
        quality_records.directorate,
        quality_records.location_id,
        quality_records.location_name,
        inquests.pfd_date,
        inquests.pfd_response_due_date,
        inquests.pfd_response_sent_date
    from inquests
    inner join quality_records
        on {{ record_key('inquests', 'inquests.inquest_id') }} = quality_records.record_key
    where inquests.is_pfd_issued
        or inquests.pfd_date is not null

),

report_themes as (

    -- The themes of the case (its conclusion's code and the coroner's concerns read by the
    -- keyword rules), as names: what the report is about, without its text.
    select
        record_themes.record_id as inquest_id,
        string_agg(themes.theme_name, ', ' order by themes.theme_name) as theme_names
    from record_themes
    inner join themes
        on record_themes.theme_id = themes.theme_id
    where record_themes.source = 'inquests'
    group by record_themes.record_id

),

tracked as (

    -- Regulation 28: the response is due 56 days after the report (computed in staging).
    -- Due on the due date itself, overdue from the day after.
    select
        pfd_reports.*,
        as_of.as_of_date,
        case
            when pfd_reports.pfd_response_due_date is null then 'report_date_missing'
            when pfd_reports.pfd_response_sent_date <= pfd_reports.pfd_response_due_date
                then 'sent_on_time'
            when pfd_reports.pfd_response_sent_date is not null then 'sent_late'
            when as_of.as_of_date > pfd_reports.pfd_response_due_date then 'overdue'
            else 'due'
        end as pfd_status
    from pfd_reports
    cross join as_of

),

final as (

    select
        tracked.inquest_id,
        tracked.coroner_area,
        tracked.directorate,
        tracked.location_id,
        tracked.location_name,
        report_themes.theme_names,
        tracked.pfd_date,
        tracked.pfd_response_due_date as response_due_date,
        tracked.pfd_response_sent_date as response_sent_date,
        tracked.pfd_status,
        -- How far past the due date: at sending for a late response, at the as-of date for
        -- an overdue one; 0 when on time or not yet due; null without a report date.
        case tracked.pfd_status
            when 'sent_late'
                then date_diff('day', tracked.pfd_response_due_date, tracked.pfd_response_sent_date)
            when 'overdue'
                then date_diff('day', tracked.pfd_response_due_date, tracked.as_of_date)
            when 'report_date_missing' then null
            else 0
        end as days_overdue,
        tracked.as_of_date
    from tracked
    left join report_themes
        on tracked.inquest_id = report_themes.inquest_id

)

select * from final
