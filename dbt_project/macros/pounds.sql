{#
    A sum of money in GBP for a sentence: '£1,234,568' (whole pounds, thousands separated).
#}
{% macro pounds(column) -%}
    '£' || format('{:,}', cast(round({{ column }}) as bigint))
{%- endmacro %}
