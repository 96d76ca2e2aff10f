-- The spine holds exactly one row per de-duplicated record of every source: the union
-- neither drops a source nor fans out on the location or severity joins.

{{ config(meta={'dagster': {'ref': {'name': 'int_quality_records_unioned'}}}) }}

with

quality_records as (

    select * from {{ ref('int_quality_records_unioned') }}

),

incidents as (

    select * from {{ ref('int_incidents_deduplicated') }}

),

complaints as (

    select * from {{ ref('int_complaints_deduplicated') }}

),

fft_responses as (

    select * from {{ ref('int_fft_responses_deduplicated') }}

),

inquests as (

    select * from {{ ref('int_inquests_deduplicated') }}

),

sjr_reviews as (

    select * from {{ ref('int_sjr_reviews_deduplicated') }}

),

audits as (

    select * from {{ ref('int_audits_deduplicated') }}

),

expected_counts as (

    select 'incidents' as source, count(*) as n_records from incidents
    union all
    select 'complaints' as source, count(*) as n_records from complaints
    union all
    select 'fft' as source, count(*) as n_records from fft_responses
    union all
    select 'inquests' as source, count(*) as n_records from inquests
    union all
    select 'sjr' as source, count(*) as n_records from sjr_reviews
    union all
    select 'audit' as source, count(*) as n_records from audits

),

spine_counts as (

    select
        source,
        count(*) as n_records
    from quality_records
    group by source

)

select
    expected_counts.source,
    expected_counts.n_records as n_deduplicated,
    coalesce(spine_counts.n_records, 0) as n_in_spine
from expected_counts
left join spine_counts
    on expected_counts.source = spine_counts.source
where expected_counts.n_records <> coalesce(spine_counts.n_records, 0)
