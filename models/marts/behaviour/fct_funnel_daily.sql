{#-
    The overall ordered session funnel per calendar day (UTC) of
    session_start_at: one row per day with sessions and funnel step.
-#}
with

sessions as (
    select * from {{ ref('fct_sessions') }}
),

funnel_steps as (
    {{ funnel_step_rows() }}
),

sessions_by_step_reached as (
    select
        cast(session_start_at as date) as session_date,
        funnel_step_reached,
        count(*) as n_sessions
    from sessions
    group by cast(session_start_at as date), funnel_step_reached
),

days as (
    select
        session_date,
        sum(n_sessions) as day_sessions
    from sessions_by_step_reached
    group by session_date
),

steps_counted as (
    {{ funnel_steps_counted(
        'days', 'sessions_by_step_reached', ['session_date'],
        total_column='day_sessions', reached_count_column='n_sessions',
        count_column='sessions'
    ) }}
),

final as (
    select
        session_date,
        step_number,
        step_name,
        day_sessions,
        sessions,
        {{ funnel_step_rates('sessions', ['session_date']) }}
    from steps_counted
)

select * from final
