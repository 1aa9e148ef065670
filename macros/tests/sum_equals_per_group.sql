{#-
    Generic test: within each group of `group_by`, the column sums to
    `expected_sum` (default 1) up to `tolerance` (floating-point sums). Fails
    with the groups that do not. Stands in for
    dbt_expectations.expect_column_sum_to_be_between with group_by and
    min_value = max_value.
-#}
{% test sum_equals_per_group(model, column_name, group_by, expected_sum=1, tolerance=0.000001) %}
select
    {%- for column in group_by %}
    {{ column }},
    {%- endfor %}
    sum({{ column_name }}) as column_sum
from {{ model }}
group by {{ group_by | join(', ') }}
having abs(sum({{ column_name }}) - {{ expected_sum }}) > {{ tolerance }}
{% endtest %}
