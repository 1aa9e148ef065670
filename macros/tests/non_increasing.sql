{#-
    Generic test: within each group of `group_by`, the column never grows as
    `sort_column` grows (equal values pass). Fails with every row that is
    larger than the row before it. Stands in for
    dbt_expectations.expect_column_values_to_be_decreasing (strictly=false,
    with group_by).
-#}
{% test non_increasing(model, column_name, sort_column, group_by=[]) %}
with

values_ordered as (
    select
        {%- for column in group_by %}
        {{ column }},
        {%- endfor %}
        {{ sort_column }} as sort_value,
        {{ column_name }} as checked_value,
        lag({{ column_name }}) over (
            {%- if group_by %}
            partition by {{ group_by | join(', ') }}
            {%- endif %}
            order by {{ sort_column }}
        ) as previous_value
    from {{ model }}
)

select *
from values_ordered
where checked_value > previous_value
{% endtest %}
