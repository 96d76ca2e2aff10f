{#
    A value staff typed (a ward, a code, a directorate) as it may be published: each word
    that is neither in the publishable vocabulary (`words`, a list of lower-case words from
    int_publishable_words) nor code-like is replaced by '…'. A value that comes back
    unchanged is publishable as it is; anything else could hold a name and is withheld.
    Words are runs of letters and digits in any script ('José', 'Иванов'), so an accented
    name is one word, not short fragments. Code-like: up to 3 characters with a digit (7B,
    W5) or 1-2 capitals (ED, GP); never a short word in lower or title case ('Amy', 'Lee':
    short everyday words are in the vocabulary), a title (Mr, Mrs, Ms, Dr, Mx) or DOB; letters
    and digits as a code has them (code_with_digits: W12, NEWS2; not 'Smith84', 'JUNE84'). A
    capital word of 3 letters or more ('AMU', 'MRSA', 'SCBU') is
    published only from the vocabulary, which holds the trust's own places and codes and
    the usual ward abbreviations: it can as well be a surname ('Bay 2 bed 4 COX', 'Ward 7
    JANE SMITH'). A given name next to a capitalised word outside a place's name
    (holds_a_name: 'June Day', 'Ray Long', 'June Long Ward 7') is withheld even where the
    vocabulary holds both.
    Five or more digits in a row are never code-like, and no digit is kept in a value whose
    digits could identify someone (digits_could_identify), with a date (a birth date,
    separated by / . - _ or spaces, or with its month's name: '1st February 1962') or with a
    postcode (separated by nothing, a space, a dot, a dash or an invisible character).
#}
{% macro mask_unlisted_words(value, words) -%}
    array_to_string(list_transform(
        regexp_extract_all({{ value }}, '[\p{L}\p{N}]+|[^\p{L}\p{N}]+'),
        word -> case
            when not regexp_full_match(word, '[\p{L}\p{N}]+') then word
            when regexp_matches(word, '[0-9]')
                and ({{ digits_could_identify(value) }}
                    or regexp_matches({{ value }},
                                      '[0-9]{1,2}[/._ -][0-9]{1,2}[/._ -]([0-9]{4}|[0-9]{2})([^0-9]|$)')
                    or regexp_matches({{ value }}, '(?i)[0-9]{1,2}(st|nd|rd|th)?[ ._-]*'
                                      || '{{ month_name() }}\.?,?[ ._-]*([0-9]{4}|[0-9]{2})([^0-9]|$)')
                    or regexp_matches({{ value }}, '(?i){{ month_name() }}\.?[ ._-]*'
                                      || '[0-9]{1,2}(st|nd|rd|th)?,?[ ._-]+[0-9]{4}')
                    or regexp_matches({{ value }},
                                      '(^|[^A-Za-z0-9])[A-Za-z]{1,2}[0-9][A-Za-z0-9]?[^\p{L}\p{N}]{0,3}[0-9][A-Za-z]{2}([^A-Za-z0-9]|$)'))
                then '…'
            when regexp_full_match(lower(word), '{{ given_names() }}')
                and {{ holds_a_name(value, words) }}
                then '…'
            when list_contains({{ words }}, lower(word)) then word
            when length(word) <= 3 and lower(word) not in ('mr', 'mrs', 'ms', 'dr', 'mx', 'dob')
                and (regexp_matches(word, '[0-9]') or regexp_full_match(word, '[A-Z]{1,2}'))
                then word
            when {{ code_with_digits('word', words) }} then word
            else '…'
        end
    ), '')
{%- endmacro %}

{#
    Whether a word mixing letters and digits is a code: 1-4 digits after up to 2 letters, or
    after 3-4 capitals the vocabulary holds that are not a given name, then up to 2 letters
    (W12, B12a, 7B, NEWS2; not 'Smith84', 'COX84', 'JUNE84': a name with an age or a year).
#}
{% macro code_with_digits(word, words) -%}
    (regexp_full_match({{ word }}, '[A-Za-z]{0,2}[0-9]{1,4}[A-Za-z]{0,2}')
        or (regexp_full_match({{ word }}, '[A-Z]{3,4}[0-9]{1,4}[A-Za-z]{0,2}')
            and list_contains({{ words }}, lower(regexp_extract({{ word }}, '^[A-Z]+')))
            and not regexp_full_match(lower(regexp_extract({{ word }}, '^[A-Z]+')),
                                      '{{ given_names() }}')))
{%- endmacro %}

{#
    Whether a value's digits could identify someone, so that none of them is published: six or
    more digits in all, a year (19xx, 20xx) not counted (an NHS, phone, NI or hospital number
    however it is spaced; not 'CA-2024-001'); ten or more, years counted ('1930 - 2000 - 05'
    is an NHS number); or any digit beside a date-of-birth word ('dob_03_04_1961').
#}
{% macro digits_could_identify(value) -%}
    (length(regexp_replace(regexp_replace({{ value }},
            '(^|[^0-9])(19|20)[0-9]{2}([^0-9]|$)', '\1\3', 'g'), '[^0-9]', '', 'g')) >= 6
        or length(regexp_replace({{ value }}, '[^0-9]', '', 'g')) >= 10
        or regexp_matches({{ value }}, '(?i)(^|[^a-z])(d\.?o\.?b|born|birth)([^a-z]|$)'))
{%- endmacro %}

{%- macro month_name() -%}
    (jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*
{%- endmacro %}

{# The value itself where every word of it is publishable (mask_unlisted_words), else null. #}
{% macro publishable_or_null(value, words) -%}
    case when {{ mask_unlisted_words(value, words) }} = {{ value }} then {{ value }} end
{%- endmacro %}

{#
    A typed value that names one thing (an export file, an audit's id) as it may be published:
    `masked` (the value screened) where screening changed it, followed by the value's
    value_ref (keyed, as the withheld values') so two such values stay apart; the value
    itself where screening left it as it is.
#}
{% macro masked_with_ref(masked, value, ref_key, kind) -%}
    case
        when {{ masked }} = {{ value }} then {{ value }}
        else {{ masked }} || ' [' || {{ value_ref(ref_key, ["'" ~ kind ~ "'", value]) }} || ']'
    end
{%- endmacro %}

{# A typed id (an audit's) as published: screened word by word, its value_ref where changed. #}
{% macro publishable_id(value, words, ref_key, kind) -%}
    {{ masked_with_ref(mask_unlisted_words(value, words), value, ref_key, kind) }}
{%- endmacro %}

{% macro publishable_file_name(file, words, ref_key) -%}
    {{ masked_with_ref(file_name_masked(file, words), file, ref_key, 'file') }}
{%- endmacro %}

{#
    An export file's name (its path under data/raw/) as it may be published: each run of
    letters that is not in the publishable vocabulary is replaced by '…' (a name someone typed
    when saving the file: "incidents_jane_smith.csv", "incidents_Ian_Cox.csv") unless it is a
    code: one or two letters, or three in lower case ("inc") that are not a title or "dob";
    so is a given name before another word or a place's the trust does not name so
    (holds_a_name: "incidents_aidan_west.csv", "incidents_june_long_ward.csv"), and letters
    glued to digits in capitals or title case, or spelling a given name, unless a code
    ("incidents_JUNE84.csv", "fft_Smith1962.csv"; not "NEWS2", "v2", "incidents2026");
    and so is every run of digits when the name's digits could identify someone
    (digits_could_identify, export dates aside: "incidents_943_476_5919.csv") and any run
    of six or more that is not an export date (export_date: "IR_Listing_20241201.csv"
    stays; "incidents_20241201_943_476_5919.csv" and "dob_20150301" do not); a name
    so changed ends with its value_ref: "incidents/incidents_Fitzwilliam.csv" reads
    "incidents/incidents_….csv [hkgpa…]". Export dates, short numbers and punctuation stay,
    so the file can still be found; a postcode, birth date or titled name among them is
    redacted by the publishing guard (pipelines.lib.identifier_guard).
#}
{% macro file_name_masked(file, words) -%}
    array_to_string(list_transform(
        regexp_extract_all({{ file }}, '[\p{L}0-9]+|[^\p{L}0-9]+'),
        part -> case
            when not regexp_matches(part, '[\p{L}0-9]') then part
            when regexp_matches(part, '[0-9]')
                and ((regexp_matches(part, '[0-9]{6}') and not {{ export_date('part') }})
                    or {{ digits_could_identify(export_dates_removed(file)) }})
                then '…'
            when regexp_full_match(part, '[0-9]+') then part
            {#- Letters glued to digits: a name with an age or a birth year ('JUNE84',
                'Smith1962') unless a code as in a typed value (W12, NEWS2) or an export job's
                lower-case word that is not a given name ('incidents2026', 'inc01'). #}
            when regexp_matches(part, '[0-9]') then case
                when {{ code_with_digits('part', words) }}
                    or (regexp_full_match(part, '[a-z]+[0-9]+|[0-9]+[a-z]+')
                        and {{ file_word_kept("regexp_replace(part, '[0-9]+', '')", words) }}
                        and not regexp_full_match(regexp_replace(part, '[0-9]+', ''),
                                                  '{{ given_names() }}'))
                    then part
                else '…' end
            when regexp_full_match(lower(part), '{{ given_names() }}')
                and {{ holds_a_name(file, words, in_file_name=true) }} then '…'
            when {{ file_word_kept('part', words) }} then part
            else '…'
        end
    ), '')
{%- endmacro %}

{# A file name's run of letters that may stand: a vocabulary word, or a code of one or two
   letters or three in lower case ("inc") that is not a title or "dob". #}
{% macro file_word_kept(letters, words) -%}
    (list_contains({{ words }}, lower({{ letters }}))
        or (regexp_full_match({{ letters }}, '[A-Za-z]{1,2}|[a-z]{3}')
            and lower({{ letters }}) not in ('mr', 'mrs', 'ms', 'dr', 'mx', 'dob')))
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

{#
    Common given names, lower case: a name made of words the vocabulary holds for other reasons
    ("June Day", "Ray Long", "Aidan West" where a site is St Aidan's, "Willow Beech" where
    wards are named after trees) reads like a place or a code word by word. Given names that
    are mostly other words in codes (May, Will, Mark, Max) are left out.
#}
{%- macro given_names() -%}
    {%- set names = ['aaron', 'abigail', 'adam', 'adrian', 'aidan', 'aiden', 'alan', 'albert',
        'alex', 'alexander', 'alfie', 'alice', 'alison', 'amelia', 'amy', 'andrew', 'angela',
        'ann', 'anna', 'anne', 'anthony', 'archie', 'arthur', 'ava', 'barbara', 'barry', 'ben',
        'benjamin', 'beryl', 'beth', 'betty', 'bill', 'brian', 'carl', 'carol', 'caroline',
        'catherine', 'charles', 'charlie', 'charlotte', 'chloe', 'chris', 'christine',
        'christopher', 'claire', 'colin', 'craig', 'daisy', 'daniel', 'darren', 'david', 'dawn',
        'dean', 'deborah', 'denise', 'dennis', 'derek', 'diane', 'donna', 'doris', 'dorothy',
        'dylan', 'edward', 'eileen', 'eleanor', 'elizabeth', 'ella', 'ellie', 'emily', 'emma',
        'eric', 'ethan', 'evelyn', 'evie', 'florence', 'frances', 'frank', 'freddie', 'gary',
        'gemma', 'geoffrey', 'george', 'gillian', 'gordon', 'grace', 'graham', 'hannah',
        'harry', 'harvey', 'hazel', 'heather', 'helen', 'henry', 'holly', 'ian', 'irene',
        'isabella', 'isla', 'ivy', 'jack', 'jacob', 'james', 'jamie', 'jane', 'janet', 'jason',
        'jean', 'jennifer', 'jessica', 'joan', 'joanne', 'john', 'jonathan', 'joseph', 'joshua',
        'joyce', 'julie', 'june', 'karen', 'kathleen', 'keith', 'kelly', 'kenneth', 'kevin',
        'kim', 'laura', 'lauren', 'lee', 'leo', 'lesley', 'lily', 'linda', 'lisa', 'logan',
        'lorraine', 'louise', 'lucy', 'luke', 'lynn', 'margaret', 'maria', 'marie', 'martin',
        'mary', 'matthew', 'maureen', 'megan', 'mia', 'michael', 'michelle', 'mohammed',
        'muhammad', 'nancy', 'natalie', 'nathan', 'neil', 'nicholas', 'nicola', 'noah',
        'norman', 'oliver', 'olivia', 'oscar', 'pamela', 'patricia', 'patrick', 'paul',
        'pauline', 'peter', 'philip', 'poppy', 'rachel', 'ray', 'raymond', 'rebecca', 'richard',
        'robert', 'roger', 'ronald', 'rose', 'rosie', 'ruby', 'ruth', 'ryan', 'samantha',
        'samuel', 'sandra', 'sarah', 'scott', 'sean', 'sharon', 'sheila', 'shirley', 'simon',
        'sophia', 'sophie', 'stephen', 'steven', 'stuart', 'susan', 'teresa', 'thomas',
        'tracey', 'tracy', 'valerie', 'victoria', 'vincent', 'wayne', 'william', 'willow',
        'yvonne', 'zoe'] -%}
    {{- names | join('|') -}}
{%- endmacro %}

{#
    Whether a value holds a given name (given_names) next to a capitalised word, after it or
    before it ("West, Aidan"; not "Audit June 2024"), whatever stands between them (a comma,
    a non-breaking space), other than in a place's name: places are named after people and
    plants, but "June Long Ward 7" and "Ray West Bay 4" are a patient on a ward. So a given
    name is a place's when a place's word follows it, directly or after lower-case words
    only ("Willow Ward", "St Aidan's Hospital", "Royal Victoria Infirmary"), or after up to
    three words where the trust names a place so (the phrase among `words`, from its
    locations and aliases: "Florence Nightingale Ward", "James Cook University Hospital").
    `in_file_name`: the next word in any case ("incidents_aidan_west.csv"), and only a place's
    word right after the given name makes a place the trust does not list.
#}
{% macro holds_a_name(value, words, in_file_name=false) -%}
    {%- set gap = "[^\\p{L}\\p{N}]+" -%}
    {%- set lower_words = "" if in_file_name else "(" ~ gap ~ "\\p{Ll}+)*" -%}
    {%- set next_word = "\\p{L}" if in_file_name else "\\p{Lu}" -%}
    regexp_matches(
        list_reduce(
            list_filter({{ places_named_after(value) }},
                        named -> regexp_full_match(named, '\p{L}+{{ lower_words }}{{ gap }}\p{L}+')
                            or list_contains({{ words }}, {{ place_key('named') }})),
            (rest, named) -> replace(rest, named, ' '), {{ value }}),
        '(^|[^\p{L}])(?i:{{ given_names() }}){{ gap }}{{ next_word }}'
            || '|\p{Lu}\p{L}*[^\p{L}\p{N}]+(?i:{{ given_names() }})'
            || '([^\p{L}\p{N}]*$|[^\p{L}\p{N}]+\p{L})')
{%- endmacro %}

{#
    The phrases of a text that could name a place after someone: a given name and up to three
    words before the first place's word after it ("Florence Nightingale Ward" in "Bay 2
    Florence Nightingale Ward bay 4"); int_publishable_words lists those of the trust's places
    (place_key), so holds_a_name can tell its wards from a patient's name before one.
#}
{% macro places_named_after(text) -%}
    regexp_extract_all({{ text }},
        '(^|[^\p{L}])((?i:{{ given_names() }})([^\p{L}\p{N}]+\p{L}+){0,3}?'
            || '[^\p{L}\p{N}]+(?i:{{ place_words() }}))([^\p{L}]|$)', 2)
{%- endmacro %}

{# A place's phrase as listed: lower case, words separated by one space. #}
{% macro place_key(phrase) -%}
    lower(regexp_replace({{ phrase }}, '[^\p{L}\p{N}]+', ' ', 'g'))
{%- endmacro %}

{%- macro place_words() -%}
    ward|wards|unit|bay|house|wing|centre|center|suite|clinic|lodge|court|building|block|room|
    {{- '' -}}theatres?|hospital|infirmary|hospice|institute|department|services?|team|hub|hall|
    {{- '' -}}pavilion|cottage|annexe|floor|register|street|road|lane|avenue|drive|way
{%- endmacro %}

{#
    Whether a run of digits is an export date, YYYYMMDD: a real calendar date in a year
    exports are made (2010-2039), not a birth date of most patients nor an NHS number's part.
#}
{% macro export_date(digits) -%}
    (regexp_full_match({{ digits }},
                       '20[1-3][0-9](0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])')
        and try_strptime({{ digits }}, '%Y%m%d') is not null)
{%- endmacro %}

{#
    A file name with its export dates (YYYYMMDD as export_date, or YYYY-MM-DD separated by
    - _ or .) taken out, so that digits_could_identify counts only the digits left: two dates
    in a name ("Listing_20241201_20261206") are not an NHS number. Twice over, as a date's
    trailing separator is the next one's leading one.
#}
{% macro export_dates_removed(file) -%}
    {%- set separated = "(^|[^0-9])20[1-3][0-9][-_.](0[1-9]|1[0-2])[-_.](0[1-9]|[12][0-9]|3[01])([^0-9]|$)" -%}
    regexp_replace(regexp_replace(array_to_string(list_transform(
            regexp_extract_all({{ file }}, '[0-9]+|[^0-9]+'),
            run -> case when {{ export_date('run') }} then '' else run end), ''),
        '{{ separated }}', '\1\4', 'g'),
        '{{ separated }}', '\1\4', 'g')
{%- endmacro %}
