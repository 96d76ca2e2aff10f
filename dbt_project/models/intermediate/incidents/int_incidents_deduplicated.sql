with

incident_revisions as (

    select * from {{ ref('stg_incidents__incident_revisions') }}

),

latest_revisions as (

    -- Incidents are re-graded after review and every export carries the revision current
    -- at the time, so the latest revision wins. Ties (no updated_at, or the same revision in
    -- overlapping exports) go to the file read last, then the row read last: export file
    -- names must sort in date order. A revision without updated_at loses to any with one.
    select *
    from incident_revisions
    qualify row_number() over (
        partition by incident_id
        order by updated_at desc nulls last, _source_file desc, _source_row desc
    ) = 1

)

select * from latest_revisions
