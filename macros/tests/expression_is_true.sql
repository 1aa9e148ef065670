{#-
    Generic test: fails for every row where `expression` is not true (NULL
    counts as a failure unless the expression handles it). Stands in for
    dbt_utils.expression_is_true. `where` config works as usual.
-#}
{% test expression_is_true(model, expression, column_name=none) %}
select *
from {{ model }}
where not coalesce(({{ expression }}), false)
{% endtest %}
