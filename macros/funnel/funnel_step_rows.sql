{#-
    A query with one row per funnel step: step_number (1-based) and
    step_name (the step's event type), generated from the variable
    customer_behaviour__funnel_steps. Use it as the body of a CTE so that a
    different ordered funnel needs no SQL changes.
-#}
{% macro funnel_step_rows(steps=none) -%}
{%- set steps = steps if steps is not none else funnel_steps() -%}
{%- for step in steps %}
select
    cast({{ loop.index }} as {{ dbt.type_int() }}) as step_number,
    cast('{{ dbt.escape_single_quotes(step) }}' as {{ dbt.type_string() }}) as step_name
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
{%- endmacro %}
