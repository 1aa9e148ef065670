{#-
    The step matrix: for each step position 1..customer_behaviour__path_max_steps
    of the collapsed session paths, how many sessions are at each step label
    there, as a share of the sessions that reach that position and of all
    sessions with events. Read it as a heat map of position × label.
-#}
with

session_steps as (
    select * from {{ ref('int_session_steps_collapsed') }}
),

sessions_with_steps as (
    select count(distinct session_id) as n_sessions
    from session_steps
),

labels_counted as (
    select
        step_position,
        step_label,
        count(*) as sessions,
        sum(case when is_last_step then 1 else 0 end) as ending_sessions
    from session_steps
    where step_position <= {{ var('customer_behaviour__path_max_steps') }}
    group by step_position, step_label
),

positions_totalled as (
    select
        step_position,
        step_label,
        sessions,
        ending_sessions,
        sum(sessions) over (partition by step_position) as sessions_at_position
    from labels_counted
),

final as (
    select
        positions_totalled.step_position,
        positions_totalled.step_label,
        cast(positions_totalled.sessions as {{ dbt.type_bigint() }}) as sessions,
        cast(positions_totalled.sessions_at_position as {{ dbt.type_bigint() }})
            as sessions_at_position,
        cast(positions_totalled.sessions as {{ dbt.type_float() }})
        / positions_totalled.sessions_at_position as share_of_position,
        cast(positions_totalled.sessions as {{ dbt.type_float() }})
        / sessions_with_steps.n_sessions as share_of_sessions,
        cast(positions_totalled.ending_sessions as {{ dbt.type_bigint() }}) as ending_sessions
    from positions_totalled
    cross join sessions_with_steps
)

select * from final
