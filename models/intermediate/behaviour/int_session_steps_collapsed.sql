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

previous_labels_added as (
    select
        session_id,
        event_sequence,
        event_at,
        step_label,
        lag(step_label) over (
            partition by session_id
            order by event_sequence
        ) as previous_step_label
    from sequenced_events
),

label_changes_flagged as (
    select
        session_id,
        event_sequence,
        event_at,
        step_label,
        case
            when previous_step_label = step_label then 0
            else 1
        end as is_new_step
    from previous_labels_added
),

steps_numbered as (
    select
        session_id,
        event_at,
        step_label,
        sum(is_new_step) over (
            partition by session_id
            order by event_sequence
            rows between unbounded preceding and current row
        ) as step_position
    from label_changes_flagged
),

steps_collapsed as (
    select
        session_id,
        step_position,
        min(step_label) as step_label,
        min(event_at) as step_started_at,
        cast(count(*) as {{ dbt.type_bigint() }}) as event_count
    from steps_numbered
    group by session_id, step_position
),

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
    from steps_collapsed
)

select * from final
