{#-
    Session-keyed incremental processing (docs block `incremental_runs`; the
    other macros of this folder: session_materialization, in_changed_sessions,
    delete_changed_sessions).

    Every per-event and per-session model is recomputed for whole sessions:
    base_sessions_changed lists the session keys whose raw input changed since
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
