with

quality_records as (

    select * from {{ ref('int_quality_records_unioned') }}

),

unresolved as (

    -- Records with no location at all are not listed: there is nothing to map.
    select
        source,
        location_raw,
        {{ normalise_location('location_raw') }} as location_key,
        count(*) as n_records,
        min(record_date) as first_seen_date,
        max(record_date) as last_seen_date
    from quality_records
    where location_id is null
        and location_raw is not null
    group by source, location_raw

)

select * from unresolved
