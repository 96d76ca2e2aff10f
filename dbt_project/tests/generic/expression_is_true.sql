{#
    Fails for every row where `expression` is not true (false or null). Write the expression
    so that null means failure only when it should, e.g. `x is null or x >= 0`.
#}
{% test expression_is_true(model, expression) %}

select *
from {{ model }}
where not coalesce(({{ expression }}), false)

{% endtest %}
