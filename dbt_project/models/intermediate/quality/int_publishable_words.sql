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

reference_texts as (

    -- The trust's own reference data: every word of its places, spellings, codes and themes
    -- (and keyword rules, below) is one its staff use for places and codes.
    select place_text as reference_text from place_texts
    union all select directorate from locations
    union all select specialty from locations
    union all select native_code from theme_code_map
    union all select theme_name from themes
    union all select description from themes
    union all select excludes from themes

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

reference_words as (

    select unnest(regexp_extract_all(lower(reference_text), '[\p{L}\p{N}]+')) as word
    from reference_texts
    union all
    select unnest(regexp_extract_all(lower(word), '[\p{L}\p{N}]+')) from keyword_rule_words

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

    select lower(trim(word)) as word from publishable_words
    union
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
