with

quality_records as (

    select * from {{ ref('int_quality_records_unioned') }}

),

screened_values as (

    select * from {{ ref('int_free_typed_values_screened') }}

),

recent_window as (

    select * from {{ ref('int_recent_window') }}

),

unresolved as (

    -- Records with no location at all are not listed: there is nothing to map.
    select
        source,
        location_raw,
        count(*) as n_records,
        count(*) filter (where record_month >= recent_window.recent_start_month)
            as n_recent_records,
        min(record_date) as first_seen_date,
        max(record_date) as last_seen_date
    from quality_records
    cross join recent_window
    where location_id is null
        and location_raw is not null
    group by source, location_raw

),

final as (

    -- A spelling with a word outside the publishable vocabulary could hold a name: it is
    -- shown with that word as '…', its key withheld; the patient safety team finds it by
    -- value_ref in the case-level withheld_values_as_exported.
    select
        unresolved.source,
        screened_values.value_shown as location_raw,
        case
            when not screened_values.is_withheld
                then {{ normalise_location('unresolved.location_raw') }}
        end as location_key,
        screened_values.is_withheld,
        screened_values.value_ref,
        unresolved.n_records,
        unresolved.n_recent_records,
        rank() over (
            order by unresolved.n_recent_records desc, unresolved.n_records desc
        ) as priority_rank,
        unresolved.first_seen_date,
        unresolved.last_seen_date
    from unresolved
    inner join screened_values
        on unresolved.source = screened_values.source
        and screened_values.field = 'location'
        and unresolved.location_raw = screened_values.value_as_exported

)

select * from final
