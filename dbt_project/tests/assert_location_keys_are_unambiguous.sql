-- Known data debt, warn only: two seed rows (location names, or aliases when no name
-- claims the key) that normalise to the same key but point at different locations. Such a
-- key is left unresolved rather than guessed; fix the seed to resolve it.

{{ config(meta={'dagster': {'ref': {'name': 'int_location_keys_ranked'}}}) }}
{{ config(severity='warn') }}

with

ranked_keys as (

    select * from {{ ref('int_location_keys_ranked') }}

)

select
    location_key,
    site_key,
    string_agg(distinct location_id, ', ' order by location_id) as location_ids
from ranked_keys
group by location_key, site_key
having count(distinct location_id) > 1
