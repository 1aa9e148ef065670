{#-
    The materialization of the session-keyed models (docs block
    `incremental_runs`): incremental, except on Spark, whose default file
    formats cannot delete rows; there they are rebuilt as tables every run
    (docs/spark.md).
-#}
{% macro session_materialization() -%}
    {{- return('table' if target.type == 'spark' else 'incremental') -}}
{%- endmacro %}
