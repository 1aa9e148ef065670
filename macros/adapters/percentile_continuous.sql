{#-
    The continuous percentile of `expression` (an aggregate): linear
    interpolation between the two nearest ranks, as numpy's default
    ("linear") and SQL's percentile_cont. `fraction` is a literal in [0, 1].
    NULLs are ignored; NULL when there is no value.
-#}
{% macro percentile_continuous(expression, fraction) -%}
    {{ return(adapter.dispatch('percentile_continuous', 'customer_behaviour')(expression, fraction)) }}
{%- endmacro %}

{% macro default__percentile_continuous(expression, fraction) -%}
    cast(percentile_cont({{ fraction }}) within group (order by {{ expression }}) as {{ dbt.type_float() }})
{%- endmacro %}

{% macro spark__percentile_continuous(expression, fraction) -%}
    cast(percentile({{ expression }}, {{ fraction }}) as {{ dbt.type_float() }})
{%- endmacro %}
