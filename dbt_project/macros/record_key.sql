{#
    Key of a record across sources, e.g. 'incidents:INC-001': native ids are unique only
    within their source. Every model that builds record_key uses this macro, so joins on
    it cannot drift apart.
#}
{% macro record_key(source_name, id_column) -%}
    '{{ source_name }}:' || {{ id_column }}
{%- endmacro %}
