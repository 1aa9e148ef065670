{#-
    A predicate: true for rows of the sessions to recompute in this run
    (every row on a full build or refresh). See session_key.sql and the docs
    block `incremental_runs`. By default the sessions whose own inputs
    changed (is_input_changed); with customer_sessions=true also every other
    session of their customers, which only a model that numbers a customer's
    sessions (int_sessions_measured) needs.
-#}
{% macro in_changed_sessions(session_key_expression, customer_sessions=false) -%}
    {%- if is_incremental() -%}
        ({{ session_key_expression }} in (
            select session_key from {{ ref('base_sessions_changed') }}
            {%- if not customer_sessions %}
            where is_input_changed
            {%- endif %}
        ))
    {%- else -%}
        (1 = 1)
    {%- endif -%}
{%- endmacro %}
