{#
    Sources that can signal a theme, in the order their columns appear in theme_signals.
    Audit is deliberately absent: an audit records coverage (someone is measuring the
    topic), not a problem in care.
#}
{% macro signal_sources() -%}
    {{ return(['incidents', 'complaints', 'fft', 'inquests', 'sjr']) }}
{%- endmacro %}
