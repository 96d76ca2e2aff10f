-- The chain behind each claim: one row per claim x record its register links it to (the
-- Datix incident, the complaint, the inquest), with what the warehouse holds about that
-- record, and one row for a claim that links to none. Restricted: it names records.

with

claims as (

    select * from {{ ref('int_claims_deduplicated') }}

),

quality_records as (

    select * from {{ ref('int_quality_records_unioned') }}

),

record_themes as (

    select * from {{ ref('int_record_themes_mapped') }}

),

screened_values as (

    select * from {{ ref('int_free_typed_values_screened') }}

),

links as (

    select claim_id, 'incidents' as linked_source, unnest(linked_incident_ids) as linked_id
    from claims
    union all
    select claim_id, 'complaints', unnest(linked_complaint_ids) from claims
    union all
    select claim_id, 'inquests', unnest(linked_inquest_ids) from claims

),

distinct_links as (

    -- A reference typed twice in one cell is one link.
    select distinct claim_id, linked_source, trim(linked_id) as linked_id
    from links
    where nullif(trim(linked_id), '') is not null

),

linked_records as (

    -- The records the claims link to, a few thousand of a trust's million: joined below
    -- instead of the whole spine, which DuckDB hashed (0.56 GB at a large trust, not 0.34).
    select quality_records.*
    from quality_records
    semi join distinct_links
        on quality_records.source = distinct_links.linked_source
        and quality_records.record_id = distinct_links.linked_id

),

chained_records as (

    -- The claims and the records they link to.
    select record_key from quality_records where source = 'claims'
    union
    select record_key from linked_records

),

themes_by_record as (

    select record_key, list(distinct theme_id order by theme_id) as theme_ids
    from record_themes
    semi join chained_records using (record_key)
    group by record_key

)

select
    claims.claim_id,
    claims.scheme,
    claims.claim_type,
    claims.claim_status,
    claims.incident_date,
    claims.notification_date,
    claim_records.location_name as claim_location_name,
    claim_records.directorate as claim_directorate,
    -- Typed values as screened (a word outside the publishable vocabulary as '…'); the
    -- injury shows through the claim's grade.
    cause_groups.value_shown as cause_group,
    claim_records.severity_label as claim_severity_label,
    claim_records.severity_score as claim_severity_score,
    claim_themes.theme_ids as claim_theme_ids,
    round(claims.damages_paid + claims.defence_costs + claims.claimant_costs, 2) as total_paid,
    round(claims.reserve, 2) as reserve,
    distinct_links.linked_source,
    distinct_links.linked_id,
    -- False: the register names a record the warehouse does not hold (mistyped, or from
    -- before the exports begin).
    case when distinct_links.linked_id is not null
        then linked_records.record_key is not null end as is_linked_record_found,
    linked_records.record_date as linked_record_date,
    linked_records.location_name as linked_location_name,
    linked_records.severity_label as linked_severity_label,
    linked_records.severity_score as linked_severity_score,
    linked_themes.theme_ids as linked_theme_ids
from claims
left join quality_records as claim_records
    on claim_records.source = 'claims'
    and claim_records.record_id = claims.claim_id
left join themes_by_record as claim_themes
    on claim_records.record_key = claim_themes.record_key
left join screened_values as cause_groups
    on cause_groups.source = 'claims'
    and cause_groups.field = 'cause_group'
    and cause_groups.value_as_exported = claims.cause_group
left join distinct_links
    on claims.claim_id = distinct_links.claim_id
left join linked_records
    on linked_records.source = distinct_links.linked_source
    and linked_records.record_id = distinct_links.linked_id
left join themes_by_record as linked_themes
    on linked_records.record_key = linked_themes.record_key
