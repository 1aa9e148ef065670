{#-
    A predicate: true for rows of the sessions to recompute in this run
    (every row on a full build or refresh). See session_key.sql and the docs
    block `incremental_runs`.
-#}
{% macro in_changed_sessions(session_key_expression) -%}
    {%- if is_incremental() -%}
        ({{ session_key_expression }} in (select session_key from {{ ref('base_sessions_changed') }}))
    {%- else -%}
        (1 = 1)
    {%- endif -%}
{%- endmacro %}
