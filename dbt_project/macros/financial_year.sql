{#
    NHS financial year (1 April to 31 March) of a date, as '2024/25'.
#}
{% macro financial_year(column) -%}
    format(
        '{}/{:02d}',
        year({{ column }}) - (month({{ column }}) < 4)::int,
        (year({{ column }}) - (month({{ column }}) < 4)::int + 1) % 100
    )
{%- endmacro %}
