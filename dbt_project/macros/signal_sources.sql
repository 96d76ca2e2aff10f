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

{#
    The fewest recent records with which `source_column`'s source signals on its own
    (var signal_min_records; 1 for a source it does not name).
#}
{% macro signal_min_records(source_column) -%}
    case {{ source_column }}
    {%- for source_name, fewest in var('signal_min_records').items() %}
        when '{{ source_name }}' then {{ fewest | int }}
    {%- endfor %}
        else 1
    end
{%- endmacro %}
