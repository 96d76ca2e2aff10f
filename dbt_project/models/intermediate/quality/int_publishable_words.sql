with

publishable_words as (

    select * from {{ ref('publishable_words') }}

),

locations as (

    select * from {{ ref('locations') }}

),

location_aliases as (

    select * from {{ ref('location_aliases') }}

),

theme_code_map as (

    select * from {{ ref('theme_code_map') }}

),

themes as (

    select * from {{ ref('themes') }}

),

theme_keywords as (

    select * from {{ ref('theme_keywords') }}

),

reference_texts as (

    -- The trust's own reference data: every word of its places, spellings, codes, themes
    -- and keyword rules is one its staff use for places and codes.
    select location_name as reference_text from locations
    union all select site from locations
    union all select directorate from locations
    union all select specialty from locations
    union all select alias from location_aliases
    union all select native_code from theme_code_map
    union all select theme_name from themes
    union all select description from themes
    union all select excludes from themes
    union all select pattern from theme_keywords

),

reference_words as (

    select unnest(regexp_extract_all(lower(reference_text), '[\p{L}\p{N}]+')) as word
    from reference_texts

),

words_unioned as (

    select lower(trim(word)) as word from publishable_words
    union
    select word from reference_words

)

select word
from words_unioned
where word is not null and word <> ''
