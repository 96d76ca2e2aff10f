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
    A probability in words a committee reads: "1 in 4,200", or "less than 1 in a million";
    `below` and `near` word the two cases otherwise ("fewer than", "about ").
#}
{% macro one_in(expression, below='less than', near='') -%}
    case when ({{ expression }}) < 1e-6 then '{{ below }} 1 in a million'
        else '{{ near }}1 in ' || format('{:,}', cast(round(1 / ({{ expression }})) as bigint)) end
{%- endmacro %}

{#
    What a Benjamini-Hochberg q-value says, in words: of the signals this strong across every
    theme and place tested, the share expected to be chance.
#}
{% macro chance_among_signals(q_value) -%}
    ' (of signals this strong across every theme and place tested, '
        || {{ one_in(q_value, below='fewer than', near='about ') }} || ' would be chance)'
{%- endmacro %}
