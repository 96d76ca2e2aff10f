{#
    A value staff typed (a ward, a code, a directorate) as it may be published: each word
    that is neither in the publishable vocabulary (`words`, a list of lower-case words from
    int_publishable_words) nor code-like is replaced by '…'. A value that comes back
    unchanged is publishable as it is; anything else could hold a name and is withheld.
    Code-like: up to 3 characters (Bay 2, 7B, ED) unless a title (Mr, Mrs, Ms, Dr, Mx) or
    DOB; up to 6 letters with 1-4 digits (W12, NEWS2, B12a); an all-capital abbreviation of
    4-5 letters inside mixed-case text (MRSA in 'MRSA bacteraemia', not 'JANE' in 'MRS JANE').
    Five or more digits in a row are never code-like, and no digit is in a value with nine or
    more in all (an NHS or phone number however it is spaced) or with a date (a birth date).
#}
{% macro mask_unlisted_words(value, words) -%}
    array_to_string(list_transform(
        regexp_extract_all({{ value }}, '[[:alnum:]]+|[^[:alnum:]]+'),
        word -> case
            when not regexp_full_match(word, '[[:alnum:]]+') then word
            when regexp_full_match(word, '[0-9]+')
                and (length(regexp_replace({{ value }}, '[^0-9]', '', 'g')) >= 9
                    or regexp_matches({{ value }}, '[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{2,4}'))
                then '…'
            when list_contains({{ words }}, lower(word)) then word
            when length(word) <= 3 and lower(word) not in ('mr', 'mrs', 'ms', 'dr', 'mx', 'dob')
                then word
            when regexp_full_match(word, '[A-Za-z]{0,6}[0-9]{1,4}[A-Za-z]{0,2}') then word
            when regexp_full_match(word, '[A-Z]{4,5}') and regexp_matches({{ value }}, '[a-z]')
                then word
            else '…'
        end
    ), '')
{%- endmacro %}
