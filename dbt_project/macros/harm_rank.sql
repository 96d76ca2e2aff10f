{#
    Ordinal of an LFPSE harm grade: none 0, low 1, moderate 2, severe 3, fatal 4. Grades the
    loader kept as exported because they are not canonical rank as null.
#}
{% macro harm_rank(column) -%}
    case {{ column }}
        when 'none' then 0
        when 'low' then 1
        when 'moderate' then 2
        when 'severe' then 3
        when 'fatal' then 4
    end
{%- endmacro %}
