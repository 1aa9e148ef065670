{#-
    A session's path as steps: consecutive events with the same step_label
    (in event order) collapse into one step. One row per session and step
    position; sessions without accepted events have no rows. Paths, Markov
    transitions and the step matrix all read these steps.

    Incremental by session (macros/incremental/).
-#}
{{ config(
    materialized=session_materialization(),
    pre_hook="{{ delete_changed_sessions() }}"
) }}
-- depends_on: {{ ref('base_sessions_changed') }}
with

sequenced_events as (
    select * from {{ ref('int_events_sequenced') }}
    where {{ in_changed_sessions(session_key('session_id')) }}
),

{{ steps_collapsed_ctes('sequenced_events', 'session_steps') }},

final as (
    select
        session_id,
        cast(step_position as {{ dbt.type_int() }}) as step_position,
        step_label,
        step_started_at,
        event_count,
        cast(count(*) over (partition by session_id) as {{ dbt.type_int() }})
            as session_step_count,
        step_position = count(*) over (partition by session_id) as is_last_step
    from session_steps_collapsed
)

select * from final
