{#-
    Wraps a text expression so that ORDER BY compares it byte by byte (the
    same order on every target). PostgreSQL otherwise sorts by the database's
    locale, which ignores punctuation in e.g. en_US; DuckDB and Spark already
    compare binary.
-#}
{% macro collate_binary(expression) -%}
    {{ return(adapter.dispatch('collate_binary', 'customer_behaviour')(expression)) }}
{%- endmacro %}

{% macro default__collate_binary(expression) -%}
    {{ expression }}
{%- endmacro %}

{% macro postgres__collate_binary(expression) -%}
    {{ expression }} collate "C"
{%- endmacro %}
