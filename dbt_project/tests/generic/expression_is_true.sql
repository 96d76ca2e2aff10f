{#
    Fails for every row where `expression` is not true (false or null). Usable on a model
    or on a column; the column name is accepted and ignored, so write it in the expression.
    Null counts as failure: write `x is null or x >= 0` where a null is fine.
#}
{% test expression_is_true(model, expression, column_name=none) %}

select *
from {{ model }}
where not coalesce(({{ expression }}), false)

{% endtest %}
