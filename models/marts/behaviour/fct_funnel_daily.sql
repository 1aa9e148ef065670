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
    select
        days.session_date,
        funnel_steps.step_number,
        funnel_steps.step_name,
        cast(days.day_sessions as {{ dbt.type_bigint() }}) as day_sessions,
        cast(coalesce(sum(sessions_by_step_reached.n_sessions), 0) as {{ dbt.type_bigint() }})
            as sessions
    from days
    cross join funnel_steps
    left join sessions_by_step_reached
        on days.session_date = sessions_by_step_reached.session_date
            and funnel_steps.step_number <= sessions_by_step_reached.funnel_step_reached
    group by
        days.session_date,
        funnel_steps.step_number,
        funnel_steps.step_name,
        days.day_sessions
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
