{#-
    Generic test: the model has as many rows as `compare_model` (optionally
    filtered by `compare_where`). Stands in for dbt_utils.equal_rowcount, with
    a filter so that "one row per accepted session" can be asserted directly.
-#}
{% test equal_rowcount(model, compare_model, compare_where=none) %}
with

model_rows as (
    select count(*) as n_rows from {{ model }}
),

compare_rows as (
    select count(*) as n_rows
    from {{ compare_model }}
    {%- if compare_where %}
    where {{ compare_where }}
    {%- endif %}
)

select
    model_rows.n_rows as model_rows,
    compare_rows.n_rows as compare_rows
from model_rows
cross join compare_rows
where model_rows.n_rows <> compare_rows.n_rows
{% endtest %}
