{#- Pre-hook of the incremental models: remove the rows of the changed sessions. -#}
{% macro delete_changed_sessions(session_id_column='session_id', customer_sessions=false) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where {{ in_changed_sessions(session_key(session_id_column), customer_sessions) }}
    {%- endif -%}
{%- endmacro %}
