-- Known data debt, warn only: two seed rows (location names, or aliases when no name
-- claims the key) that normalise to the same key but point at different locations. Such a
-- key is left unresolved rather than guessed; fix the seed to resolve it.

{{ config(meta={'dagster': {'ref': {'name': 'int_location_keys_resolved'}}}) }}
{{ config(severity='warn') }}

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
        1 as match_priority
    from locations

    union all

    select
        {{ normalise_location('alias') }} as location_key,
        location_id,
        2 as match_priority
    from location_aliases

),

best_candidates as (

    select *
    from candidate_keys
    where location_key is not null
    qualify rank() over (partition by location_key order by match_priority) = 1

)

select
    location_key,
    string_agg(distinct location_id, ', ' order by location_id) as location_ids
from best_candidates
group by location_key
having count(distinct location_id) > 1
