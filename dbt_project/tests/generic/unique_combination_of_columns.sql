{#
    Fails for every combination of `combination_of_columns` that occurs more than once.
    Nulls compare equal here (group by semantics), so a null in a key column does not
    hide a duplicate; pair it with not_null tests on the key columns.
#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

with grouped as (

    select
        {{ combination_of_columns | join(',\n        ') }},
        count(*) as n_rows
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}

)

select *
from grouped
where n_rows > 1

{% endtest %}
