{#
    A number rounded to `digits` significant figures: p- and q-values and expected counts
    readable, and byte-identical between reruns on the same data whatever order DuckDB sums
    in.
#}
{% macro significant(expression, digits=4) -%}
    case when ({{ expression }}) > 0
        then round(({{ expression }}),
                   {{ digits - 1 }} - cast(floor(log10(({{ expression }}))) as integer))
        else ({{ expression }}) end
{%- endmacro %}

{#
    A probability in words a committee reads: "1 in 4,200", or "less than 1 in a million".
#}
{% macro one_in(expression) -%}
    case when ({{ expression }}) < 1e-6 then 'less than 1 in a million'
        else '1 in ' || format('{:,}', cast(round(1 / ({{ expression }})) as bigint)) end
{%- endmacro %}

{#
    What a Benjamini-Hochberg q-value says, in words: of the signals this strong across every
    theme and place tested, the share expected to be chance.
#}
{% macro chance_among_signals(q_value) -%}
    ' (of signals this strong across every theme and place tested, '
        || case when ({{ q_value }}) < 1e-6 then 'fewer than 1 in a million'
            else 'about ' || {{ one_in(q_value) }} end
        || ' would be chance)'
{%- endmacro %}
