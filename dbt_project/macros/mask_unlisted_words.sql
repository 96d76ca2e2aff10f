{#
    A value staff typed (a ward, a code, a directorate) as it may be published: each word
    that is neither in the publishable vocabulary (`words`, a list of lower-case words from
    int_publishable_words) nor code-like is replaced by '…'. A value that comes back
    unchanged is publishable as it is; anything else could hold a name and is withheld.
    Words are runs of letters and digits in any script ('José', 'Иванов'), so an accented
    name is one word, not short fragments. Code-like: up to 3 characters with a digit (7B,
    W5) or in capitals (ED, AMU), a capital word of 3 only inside mixed-case text ('AMU' in
    'AMU bay', not 'AMY' in 'BAY 3 AMY WEST'); never a short word in lower or title case
    ('Amy', 'Lee': short everyday words are in the vocabulary), a title (Mr, Mrs, Ms,
    Dr, Mx) or DOB; up to 6 letters with 1-4 digits (W12, NEWS2, B12a); an all-capital
    abbreviation of 4-5 letters inside mixed-case text (MRSA in 'MRSA bacteraemia', not
    'JANE' in 'MRS JANE').
    Five or more digits in a row are never code-like, and no digit is in a value with nine or
    more in all (an NHS or phone number however it is spaced) or with a date (a birth date).
#}
{% macro mask_unlisted_words(value, words) -%}
    array_to_string(list_transform(
        regexp_extract_all({{ value }}, '[\p{L}\p{N}]+|[^\p{L}\p{N}]+'),
        word -> case
            when not regexp_full_match(word, '[\p{L}\p{N}]+') then word
            when regexp_full_match(word, '[0-9]+')
                and (length(regexp_replace({{ value }}, '[^0-9]', '', 'g')) >= 9
                    or regexp_matches({{ value }}, '[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{2,4}'))
                then '…'
            when list_contains({{ words }}, lower(word)) then word
            when length(word) <= 3 and lower(word) not in ('mr', 'mrs', 'ms', 'dr', 'mx', 'dob')
                and (regexp_matches(word, '[0-9]')
                    or (regexp_full_match(word, '[A-Z]+')
                        and (length(word) <= 2 or regexp_matches({{ value }}, '[a-z]'))))
                then word
            when regexp_full_match(word, '[A-Za-z]{0,6}[0-9]{1,4}[A-Za-z]{0,2}') then word
            when regexp_full_match(word, '[A-Z]{4,5}') and regexp_matches({{ value }}, '[a-z]')
                then word
            else '…'
        end
    ), '')
{%- endmacro %}

{# The value itself where every word of it is publishable (mask_unlisted_words), else null. #}
{% macro publishable_or_null(value, words) -%}
    case when {{ mask_unlisted_words(value, words) }} = {{ value }} then {{ value }} end
{%- endmacro %}

{#
    An export file's name (its path under data/raw/) as it may be published: each run of
    letters with a capital that is neither in the publishable vocabulary nor a capital code of
    up to three letters is replaced by '…' (a name someone typed when saving the file), and a
    name so changed ends with its value_ref (keyed, as the withheld values'), so two files
    stay apart: "incidents/incidents_Fitzwilliam.csv" reads "incidents/incidents_….csv
    [hkgpa…]". Words in lower case (what export jobs write: "fft_corpus-unicode.csv"),
    digits and punctuation stay, so the file can still be found; an NHS number, phone number,
    postcode, birth date or titled name among them is redacted by the publishing guard
    (pipelines.lib.identifier_guard).
#}
{% macro publishable_file_name(file, words, ref_key) -%}
    case
        when {{ file_name_masked(file, words) }} = {{ file }} then {{ file }}
        else {{ file_name_masked(file, words) }} || ' ['
            || {{ value_ref(ref_key, ["'file'", file]) }} || ']'
    end
{%- endmacro %}

{% macro file_name_masked(file, words) -%}
    array_to_string(list_transform(
        regexp_extract_all({{ file }}, '\p{L}+|[^\p{L}]+'),
        part -> case
            when not regexp_full_match(part, '\p{L}+') then part
            when part = lower(part) then part
            when list_contains({{ words }}, lower(part)) then part
            when regexp_full_match(part, '[A-Z]{1,3}') then part
            else '…'
        end
    ), '')
{%- endmacro %}

{#
    The published pointer to a withheld value: 12 letters keyed by this deployment's secret
    (int_value_ref_key), the same every night, not recomputable from a guessed value. Hex
    digits are spelt as letters: a reference of digits could read as an NHS or phone number,
    which the publishing guard would rightly redact.
#}
{% macro value_ref(ref_key, parts) -%}
    translate(left(md5({{ ref_key }}{% for part in parts %} || chr(31) || {{ part }}{% endfor %}), 12),
              '0123456789', 'ghijklmnop')
{%- endmacro %}
