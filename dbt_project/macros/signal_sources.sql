{#
    Sources that can signal a theme, in the order their columns appear in theme_signals.
    Audit is deliberately absent: an audit records coverage (someone is measuring the
    topic), not a problem in care. Claims are tested twice, on the incident date (`claims`)
    and on the notification date (`claims_notified`, int_signal_records): doc block
    claims_lag.
#}
{% macro signal_sources() -%}
    {{ return(['incidents', 'complaints', 'fft', 'inquests', 'sjr', 'claims', 'claims_notified']) }}
{%- endmacro %}

{#
    How many independent sources the signal combines: the signal sources with the two claims
    tests (incident and notification date) counted as one, since they read the same claims.
#}
{% macro signal_evidence_sources() -%}
    {{ return(signal_sources() | length - 1) }}
{%- endmacro %}
