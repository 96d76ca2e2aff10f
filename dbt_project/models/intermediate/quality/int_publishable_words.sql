{#- A table: the masked values of every published model read it; it reads only the reference
    tables, so a night that changes none leaves it as it is. -#}
{{ config(materialized='table') }}

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

place_texts as (

    select location_name as place_text from locations
    union all select site from locations
    union all select alias from location_aliases

),

canonical_texts as (

    -- The trust's canonical reference data, which a person writes as the trust's structure:
    -- its places' names, sites, directorates and specialties, and the themes (and keyword
    -- rules, below), with the shipped national code maps. Every word of them is one its
    -- staff use for places and codes.
    select location_name as reference_text from locations
    union all select site from locations
    union all select directorate from locations
    union all select specialty from locations
    union all select native_code from theme_code_map where layer = 'shipped'
    union all select theme_name from themes
    union all select description from themes
    union all select excludes from themes

),

export_spellings as (

    -- Values taken from exports (a review sheet's row accepted as exported): a location's
    -- spelling and a code of the trust's system, each with the canonical texts of what it
    -- means. A word of theirs is not publishable on that basis alone: one accepted row
    -- ('Kestrel Ward - JOHN PATTERSON', 'Fall - Edna Clarke') would make a surname
    -- publishable in every field.
    select
        location_aliases.alias as spelling,
        [locations.location_name, locations.site, locations.directorate,
         locations.specialty] as meaning
    from location_aliases
    left join locations
        on location_aliases.location_id = locations.location_id
    union all
    select theme_code_map.native_code, [themes.theme_name, themes.description]
    from theme_code_map
    left join themes
        on theme_code_map.theme_id = themes.theme_id
    where theme_code_map.layer is distinct from 'shipped'

),

keyword_rule_words as (

    -- A keyword rule's literal words only: "\bmidwi(fe|ves|fery)\b" spells no word, and its
    -- fragments (ves, fery) could be a name's letters. A word counts when spaces, word
    -- boundaries, | or a group's parentheses stand either side of it; a group glued to
    -- letters, and letters beside any other regex syntax (adults?, pregnan\w*), are left out.
    select unnest(regexp_extract_all(
        regexp_replace(
            regexp_replace(
                regexp_replace(regexp_replace(' ' || pattern || ' ', '\\b', ' ', 'g'),
                               '\\.', '*', 'g'),
                '[\p{L}\p{N}*]+\([^()]*\)\S*|\([^()]*\)[\p{L}\p{N}*]+', ' ', 'g'),
            '([\s(|)])', '\1\1', 'g'),  -- doubled, so neighbouring words share no separator
        '[\s(|]([\p{L}\p{N}][\p{L}\p{N}&''-]*)[\s)|]', 1)) as word
    from theme_keywords

),

canonical_words as (

    select unnest(regexp_extract_all(lower(reference_text), '[\p{L}\p{N}]+')) as word
    from canonical_texts
    union all
    select unnest(regexp_extract_all(lower(word), '[\p{L}\p{N}]+')) from keyword_rule_words
    union all
    select lower(trim(word)) from publishable_words

),

spelling_words as (

    select
        unnest(regexp_extract_all(lower(spelling), '[\p{L}\p{N}]+')) as word,
        list_transform(list_filter(meaning, text -> text is not null), text -> lower(text))
            as meaning
    from export_spellings

),

abbreviations as (

    -- A spelling's word that is code-like (W12, 7B) or abbreviates what the spelling means:
    -- the initials of its words ('ngh' for Northgate General Hospital, 'sah' for St Aidan's
    -- Hospital) or one of its words' first letter and then some of its letters in order
    -- ('kes' for Kestrel, 'gastro', 'rehab'). 'patterson' abbreviates no word of Kestrel
    -- Ward, Eastmoor General Hospital, Medicine.
    select distinct word
    from spelling_words
    where regexp_full_match(word, '[a-z]{0,2}[0-9]{1,4}[a-z]{0,2}')
        or list_contains(list_transform(meaning, text -> array_to_string(list_transform(
                regexp_extract_all(text, '[\p{L}\p{N}''’]+'), part -> left(part, 1)), '')),
            word)
        or (regexp_full_match(word, '[a-z]{2,}')
            and len(list_filter(
                flatten(list_transform(meaning, text -> regexp_extract_all(
                    text, '(?:^|[^\p{L}\p{N}])(\p{L}+)', 1))),
                -- The word's letters in order in one run of the meaning's letters, from its
                -- first: each letter found in what is left after the one before. (A pattern
                -- built from each word is compiled once per row: seconds at a large trust.)
                run -> left(run, 1) = left(word, 1)
                    and list_reduce(string_split(substr(word, 2), ''),
                                    (rest, letter) -> case when instr(rest, letter) > 0
                                        then substr(rest, instr(rest, letter) + 1) end,
                                    substr(run, 2)) is not null)) > 0)

),

reference_words as (

    select word from canonical_words
    union all
    select word from abbreviations

),

places_named_after_someone as (

    -- Whole, each phrase of the trust's places that names one after someone: a given name
    -- and up to three words before a place's word ('florence nightingale ward'). Only these
    -- tell its wards from a patient's name before a place's word ('June Long Ward 7'), in
    -- holds_a_name; a phrase holds spaces, so no single typed word is ever taken for one.
    select {{ place_key('named') }} as word
    from (select unnest({{ places_named_after('place_text') }}) as named from place_texts)

),

words_unioned as (

    select word from reference_words
    union
    select word from places_named_after_someone

)

select word
from words_unioned
where word is not null and word <> ''
    -- A title or a date-of-birth word is never publishable, whatever reference value holds it
    -- (a review sheet's spelling accepted as it was exported: 'Fall from bed Dr Smith').
    and word not in ('mr', 'mrs', 'ms', 'miss', 'mx', 'dr', 'mister', 'prof', 'professor',
                     'rev', 'revd', 'reverend', 'dob', 'born')
