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
        location_id,
        'location_name' as matched_on,
        1 as match_priority
    from locations

    union all

    select
        {{ normalise_location('alias') }} as location_key,
        location_id,
        'alias' as matched_on,
        2 as match_priority
    from location_aliases

),

best_candidates as (

    -- A location's own name beats an alias that normalises to the same key.
    select *
    from candidate_keys
    where location_key is not null
    qualify rank() over (partition by location_key order by match_priority) = 1

),

unambiguous_keys as (

    -- A key that still points at two locations is left unresolved rather than guessed:
    -- its records surface in data_quality.unresolved_locations and the singular test
    -- assert_location_keys_are_unambiguous names the clash.
    select
        location_key,
        min(location_id) as location_id,
        min(matched_on) as matched_on
    from best_candidates
    group by location_key
    having count(distinct location_id) = 1

),

resolved as (

    select
        unambiguous_keys.location_key,
        locations.location_id,
        locations.location_name,
        locations.site,
        locations.directorate,
        locations.specialty,
        locations.location_type,
        unambiguous_keys.matched_on
    from unambiguous_keys
    inner join locations
        on unambiguous_keys.location_id = locations.location_id

)

select * from resolved
