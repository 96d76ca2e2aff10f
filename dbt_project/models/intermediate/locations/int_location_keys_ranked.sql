with

locations as (

    select * from {{ ref('locations') }}

),

location_aliases as (

    select * from {{ ref('location_aliases') }}

),

candidate_keys as (

    select
        {{ normalise_location('location_name') }} as location_key,
        cast(null as varchar) as site_key,
        location_id,
        'location_name' as matched_on,
        1 as match_priority
    from locations

    union all

    select
        {{ normalise_location('alias') }} as location_key,
        -- A site-qualified alias resolves only records exported with that site.
        {{ normalise_location('site') }} as site_key,
        location_id,
        'alias' as matched_on,
        2 as match_priority
    from location_aliases

),

best_candidates as (

    -- A location's own name beats an alias that normalises to the same key (for any site).
    select *
    from candidate_keys
    where location_key is not null
    qualify rank() over (
        partition by location_key, site_key order by match_priority
    ) = 1

)

select * from best_candidates
