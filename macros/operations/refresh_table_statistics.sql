{#-
    Planner statistics for the table a model just wrote (post-hook of every
    model, dbt_project.yml). PostgreSQL has none for a table created by
    CREATE TABLE AS until autovacuum gets to it, and guesses: at a million
    sessions it estimated 0.5% of the customers' first sessions and chose a
    nested loop of 6e11 rows for fct_funnel_customers. ANALYZE samples a
    fixed number of rows (seconds even for millions) and runs inside the
    model's transaction. DuckDB keeps statistics as it writes; Spark's
    optimizer does not use them by default: nothing to do there.
-#}
{% macro refresh_table_statistics() %}
    {{ return(adapter.dispatch('refresh_table_statistics', 'customer_behaviour')()) }}
{% endmacro %}

{% macro default__refresh_table_statistics() %}
{% endmacro %}

{% macro postgres__refresh_table_statistics() %}
    {%- if model is defined and config.get('materialized') in ['table', 'incremental'] -%}
        analyze {{ this }}
    {%- endif -%}
{% endmacro %}
