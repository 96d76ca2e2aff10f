{#
    The key of a model or seed: no combination of `columns` (columns, or SQL expressions)
    occurs more than once, and no row leaves a key column empty unless `nullable` lists it
    (expressions are not checked for nulls). One row per duplicated key ('duplicate key')
    and one per key column that is empty somewhere ('<column> is null'), with the rows
    concerned. One test, not a uniqueness test plus a not_null test per key column: every dbt
    test is a node, and each node costs a build tens of milliseconds whatever its data.
#}
{% test unique_key(model, columns, nullable=[]) %}

{%- set never_null = [] %}
{%- for column in columns %}
    {%- if column.replace('_', '').isalnum() and column not in nullable %}
        {%- do never_null.append(column) %}
    {%- endif %}
{%- endfor %}

select 'duplicate key' as problem, count(*) as n_rows
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{%- for column in never_null %}

union all

select '{{ column }} is null' as problem, count(*) as n_rows
from {{ model }}
where {{ column }} is null
having count(*) > 0
{%- endfor %}

{% endtest %}
