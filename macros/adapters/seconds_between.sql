{#- Whole seconds from `start_at` to `end_at` (boundary count, as dbt.datediff). -#}
{% macro seconds_between(start_at, end_at) -%}
    cast({{ dbt.datediff(start_at, end_at, 'second') }} as {{ dbt.type_bigint() }})
{%- endmacro %}
