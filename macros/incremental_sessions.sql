{#-
    Session-keyed incremental processing (docs block `incremental_runs`).

    Every per-event and per-session model is recomputed for whole sessions:
    stg_shop__sessions_changed lists the session keys whose raw input changed since
    the last complete run (plus the sessions linked to them through a shared
    event_id, order_id or customer). An incremental run deletes those
    sessions' rows (pre-hook, same transaction) and appends their fresh rows;
    a session is never half recomputed and never counted twice, however late
    its events arrive.

    session_key(): the key of a session in these lists. Rows without a
    session id share the key '' and are recomputed together.
-#}
{% macro session_key(column_name) -%}
    coalesce({{ column_name }}, '')
{%- endmacro %}

{#-
    The materialization of the session-keyed models: incremental, except on
    Spark, whose default file formats cannot delete rows; there they are
    rebuilt as tables every run (documented in the README).
-#}
{% macro session_materialization() -%}
    {{- return('table' if target.type == 'spark' else 'incremental') -}}
{%- endmacro %}

{#-
    A predicate: true for rows of the sessions to recompute in this run
    (every row on a full build or refresh).
-#}
{% macro in_changed_sessions(session_key_expression) -%}
    {%- if is_incremental() -%}
        ({{ session_key_expression }} in (select session_key from {{ ref('stg_shop__sessions_changed') }}))
    {%- else -%}
        (1 = 1)
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook of the incremental models: remove the rows of the changed sessions. -#}
{% macro delete_changed_sessions(session_id_column='session_id') -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where {{ in_changed_sessions(session_key(session_id_column)) }}
    {%- endif -%}
{%- endmacro %}
