{#-
    A pre-hook for models that chain many joins over CTEs: PostgreSQL
    materialises a CTE read more than once and then estimates a single row
    for it, so it picks nested loops that compare every event with every
    unit (int_named_funnels_evaluated ran over 12 minutes on 2,500 sessions;
    0.2 s with hash joins). `set local enable_nestloop = off` for the
    model's own transaction only. Elsewhere nothing.
-#}
{% macro without_nested_loops() -%}
    {{ return(adapter.dispatch('without_nested_loops', 'customer_behaviour')()) }}
{%- endmacro %}

{% macro default__without_nested_loops() -%}
{%- endmacro %}

{% macro postgres__without_nested_loops() -%}
    set local enable_nestloop = off
{%- endmacro %}
