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
    The order of the evidence at a theme x unit (ranks, and a theme's strongest unit): units
    where several sources signal, then where one does, then where none does; within each, by
    how improbable it is that several sources rose together by chance, then by the strongest
    single source. Ranking every row by the several-sources p-value alone put a unit where
    one source rose far past chance (p 0.00001) below 42 where no source signalled (doc
    block signal_combination). Within the units where one source signals, the several-sources
    p-value keeps a planted problem that a second source corroborates (just short of
    signalling) above a loud single-source spike; ordered there by the single source's own
    p-value instead, 1 of 12 held-out benchmark trusts ranked a planted problem below a decoy.
    Choosing where one theme is reported (within_theme), the units where one source signals
    are ordered by that source's p-value first: their several-sources p-value is the other,
    non-signalling sources' (doc block triangulation_scoring: a ward's 10 falls incidents were
    reported at its directorate, for the directorate's 2 FFT comments about falls).
#}
{% macro evidence_order(within_theme=false) -%}
    case when n_sources_signalling >= 2 then 0 when n_sources_signalling = 1 then 1 else 2 end,
    {%- if within_theme %}
    case when n_sources_signalling = 1 then strongest_source_p_value end,
    {%- endif %}
    several_sources_p_value,
    strongest_source_p_value
{%- endmacro %}
