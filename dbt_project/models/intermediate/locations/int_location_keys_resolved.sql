with

ranked_keys as (

    select * from {{ ref('int_location_keys_ranked') }}

),

locations as (

    select * from {{ ref('locations') }}

),

unambiguous_keys as (

    -- A key that still points at two locations is left unresolved rather than guessed:
    -- its records surface in data_quality.unresolved_locations and the singular test
    -- assert_location_keys_are_unambiguous names the clash.
    select
        location_key,
        site_key,
        min(location_id) as location_id,
        min(matched_on) as matched_on
    from ranked_keys
    group by location_key, site_key
    having count(distinct location_id) = 1

),

resolved as (

    select
        unambiguous_keys.location_key,
        unambiguous_keys.site_key,
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
