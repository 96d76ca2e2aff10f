{#- A table: several models read it, and as a view each would recompute it. Incremental as
    the spine is (its rows are the spine's, each record's own): only the records whose raw
    rows changed are deleted and computed again. -#}
{{ config(materialized='incremental', pre_hook="{{ delete_changed_records() }}") }}

-- One row per dated record of a signal source, as the signal counts it: every spine record
-- of a signal source at its own date, and each claim a second time at the date it was
-- notified, as source `claims_notified` (doc block claims_lag). Audits never signal.

with

quality_records as (

    select * from {{ ref('int_quality_records_unioned') }}

),

claims as (

    select * from {{ ref('int_claims_deduplicated') }}

),

signal_sources as (

    select unnest({{ signal_sources() }}) as source

),

spine_records as (

    -- Only what the unit and window models read: the table is rewritten every night, and
    -- each of the spine's other columns (free text, exported places, labels) would add to
    -- the time it takes to write.
    select
        quality_records.record_key,
        quality_records.source,
        quality_records.record_id,
        quality_records.record_month,
        quality_records.directorate,
        quality_records.location_id,
        quality_records.location_name,
        quality_records.severity_score
    from quality_records
    inner join signal_sources
        on quality_records.source = signal_sources.source
    where quality_records.record_month is not null
{%- if is_incremental() %}
        and {{ changed_record() }}
{%- endif %}

),

claims_by_notification as (

    select
        spine_records.* replace (
            'claims_notified' as source,
            cast(date_trunc('month', claims.notification_date) as date) as record_month
        )
    from spine_records
    inner join claims
        on spine_records.source = 'claims'
        and spine_records.record_id = claims.claim_id

)

select * from spine_records
union all by name
select * from claims_by_notification
