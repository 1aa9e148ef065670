{#-
    A session's consecutive events with the same step_label, in event order
    (event_sequence), collapsed into one step: emits the CTEs
    <prefix>_labels_changed and <prefix>_numbered and a final CTE
    <prefix>_collapsed with one row per session and step: session_id,
    step_position (from 1), step_label, step_started_at (its first event's
    event_at), first_event_sequence, event_count and, per carried column,
    its min() over the step's events. One gaps-and-islands pass (lag, then a
    running sum) shared by int_session_steps_collapsed (the path marts'
    labels) and int_path_steps_collapsed (the question-paths' label rule), so
    the two collapse the same way.

    `events_cte` has session_id, event_sequence, event_at, step_label and the
    carried columns.
-#}
{% macro steps_collapsed_ctes(events_cte, prefix, carried=[]) -%}
{{ prefix }}_labels_changed as (
    select
        session_id,
        event_sequence,
        event_at,
        step_label,
        {%- for column in carried %}
            {{ column }},
        {%- endfor %}
        case
            when lag(step_label) over (
                    partition by session_id
                    order by event_sequence
                ) = step_label then 0
            else 1
        end as is_new_step
    from {{ events_cte }}
),

{{ prefix }}_numbered as (
    select
        session_id,
        event_sequence,
        event_at,
        step_label,
        {%- for column in carried %}
            {{ column }},
        {%- endfor %}
        sum(is_new_step) over (
            partition by session_id
            order by event_sequence
            rows between unbounded preceding and current row
        ) as step_position
    from {{ prefix }}_labels_changed
),

{{ prefix }}_collapsed as (
    {#- Every event of a step has the step's label: min() picks it. #}
    select
        session_id,
        step_position,
        min(step_label) as step_label,
        {%- for column in carried %}
            min({{ column }}) as {{ column }},
        {%- endfor %}
        min(event_at) as step_started_at,
        min(event_sequence) as first_event_sequence,
        cast(count(*) as {{ dbt.type_bigint() }}) as event_count
    from {{ prefix }}_numbered
    group by session_id, step_position
)
{%- endmacro %}
