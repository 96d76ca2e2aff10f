{#
    Whether the trust sends this source at all (its inventory is not `not_sent`): without it,
    a count of its records is not known, not 0.
#}
{% macro source_is_sent(source_name) -%}
    (select coalesce(bool_or(state <> 'not_sent'), false)
     from {{ ref('stg_loader__source_inventory') }}
     where source = '{{ source_name }}')
{%- endmacro %}
