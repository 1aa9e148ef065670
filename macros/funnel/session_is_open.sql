{#-
    The funnel marts' rule for a session that may still be running (doc
    block funnel_in_progress): its last event (its start when it has none)
    is less than customer_behaviour__session_timeout_minutes
    (session_timeout_minutes, checked) before the end of the data. A boolean
    SQL expression over the sessions relation `sessions` (last_event_at,
    session_start_at) and the data end `data_end` (data_ends_at,
    int_funnel_data_end_resolved); false when either is unknown. Shared by
    fct_funnel and int_named_funnels_evaluated, so the two cannot drift.
-#}
{% macro session_is_open(sessions, data_end) -%}
    coalesce(
        {{ dbt.dateadd(
            'minute', session_timeout_minutes(),
            'coalesce(' ~ sessions ~ '.last_event_at, ' ~ sessions ~ '.session_start_at)'
        ) }} > {{ data_end }}.data_ends_at,
        false
    )
{%- endmacro %}
