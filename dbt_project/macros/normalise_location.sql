{#
    Matching key for a ward or department name: lower case with every character that is
    not a letter or digit removed, so 'Ward 7B (Acute)', 'WARD 7B - ACUTE' and 'ward7bacute'
    meet. Empty results become null so a blank export never matches anything.
#}
{% macro normalise_location(column) -%}
    nullif(regexp_replace(lower({{ column }}), '[^a-z0-9]', '', 'g'), '')
{%- endmacro %}
