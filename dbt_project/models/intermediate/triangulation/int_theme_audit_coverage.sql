-- Theme x directorate: the clinical audit programme's coverage of the theme there. An audit
-- covers the themes its topic and guidance map to (theme_code_map, source `audit`).
with

audit_programme as (

    select * from {{ ref('audit_programme') }}

),

record_themes as (

    select * from {{ ref('int_record_themes_mapped') }}

),

signal_windows as (

    select * from {{ ref('int_signal_windows') }}

),

data_end as (

    select max(recent_end_month) as data_end_month from signal_windows

),

vocabulary as (

    select list(word) as words from {{ ref('int_publishable_words') }}

),

value_ref_key as (

    select * from {{ ref('int_value_ref_key') }}

),

audit_records as (

    -- Each audit record's id screened as audit_programme publishes it (publishable_id),
    -- once per record: in the join condition it was evaluated for every pair of rows (14 s
    -- on a large trust against 0.2 s).
    select
        record_themes.theme_id,
        {{ publishable_id('record_themes.record_id', 'vocabulary.words',
            'value_ref_key.ref_key', 'audit_id') }} as audit_id
    from record_themes
    cross join vocabulary
    cross join value_ref_key
    where record_themes.source = 'audit'

),

theme_audits as (

    select
        audit_records.theme_id,
        audit_programme.*,
        coalesce(audit_programme.report_date, audit_programme.registered_date) as audit_date
    from audit_records
    inner join audit_programme
        on audit_records.audit_id = audit_programme.audit_id
    where audit_programme.directorate is not null

)

select
    theme_audits.theme_id,
    theme_audits.directorate,
    count(*) as audits_count,
    max(theme_audits.audit_date) as last_audit_date,
    -- The latest audit (of audits on the same date, the highest id): every column from the
    -- same audit, and the same one whatever order the rows arrive in.
    arg_max(theme_audits.audit_id, (theme_audits.audit_date, theme_audits.audit_id))
        filter (where theme_audits.audit_date is not null) as last_audit_id,
    arg_max(theme_audits.audit_title, (theme_audits.audit_date, theme_audits.audit_id))
        filter (where theme_audits.audit_date is not null) as last_audit_title,
    arg_max(theme_audits.audit_status, (theme_audits.audit_date, theme_audits.audit_id))
        filter (where theme_audits.audit_date is not null) as last_audit_status,
    arg_max(theme_audits.rag_rating, (theme_audits.audit_date, theme_audits.audit_id))
        filter (where theme_audits.audit_date is not null) as last_rag_rating,
    arg_max(theme_audits.weighted_compliance_pct,
            (theme_audits.audit_date, theme_audits.audit_id))
        filter (where theme_audits.audit_date is not null) as last_compliance_pct,
    coalesce(
        max(theme_audits.audit_date)
            >= min(data_end.data_end_month) - to_months({{ var('audit_coverage_months') }}),
        false
    ) as is_recently_audited,
    bool_or(theme_audits.audit_status not in ('reported', 'closed')) as has_audit_in_progress,
    cast(sum(theme_audits.actions_overdue_count) as bigint) as actions_overdue_count,
    coalesce(bool_or(theme_audits.is_reaudit_overdue), false) as is_reaudit_overdue
from theme_audits
cross join data_end
group by theme_audits.theme_id, theme_audits.directorate
