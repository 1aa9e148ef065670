{#-
    The materialization of the session-keyed models (docs block
    `incremental_runs`): incremental, except on Spark, whose default file
    formats cannot delete rows; there they are rebuilt as tables every run
    (documented in the README).
-#}
{% macro session_materialization() -%}
    {{- return('table' if target.type == 'spark' else 'incremental') -}}
{%- endmacro %}
