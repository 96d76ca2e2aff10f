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

{#
    The order of the evidence at a theme x unit (ranks, and a theme's strongest unit): first
    where several sources signal together, by how improbable that is by chance; then where
    one source signals and a second rose with it (a several-sources p-value of at most
    signal_fdr, short of signalling after correcting for every unit tested), by that p-value;
    then one source alone, by its own p-value; then the rest. Ranking every row by the
    several-sources p-value put a unit where no source signalled, or one where a single
    source rose far past chance below others that a second source's noise lifted (doc block
    signal_combination).
#}
{% macro evidence_order() -%}
    {%- set alone = "(n_sources_signalling = 1 and several_sources_p_value > " ~ var('signal_fdr') ~ ")" -%}
    case when n_sources_signalling >= 2 then 0 when {{ alone }} then 2
        when n_sources_signalling = 1 then 1 else 3 end,
    case when {{ alone }} then strongest_source_p_value else several_sources_p_value end,
    case when {{ alone }} then several_sources_p_value else strongest_source_p_value end
{%- endmacro %}
