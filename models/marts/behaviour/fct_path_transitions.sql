{#-
    First-order Markov chain over the collapsed session steps: every session
    with events contributes (start) -> its first step, each step -> the next,
    and its last step -> (conversion) when the session purchased
    (fct_sessions.did_purchase) or (exit) otherwise. The whole collapsed path
    counts, not only the steps fct_session_paths shows.
-#}
with

session_steps as (
    select * from {{ ref('int_session_steps_collapsed') }}
),

sessions as (
    select * from {{ ref('fct_sessions') }}
),

steps_followed as (
    select
        session_steps.step_position,
        session_steps.step_label,
        coalesce(
            lead(session_steps.step_label) over (
                partition by session_steps.session_id
                order by session_steps.step_position
            ),
            case when sessions.did_purchase then '(conversion)' else '(exit)' end
        ) as next_step_label
    from session_steps
    inner join sessions
        on session_steps.session_id = sessions.session_id
),

transitions_listed as (
    select
        '(start)' as from_step,
        step_label as to_step
    from steps_followed
    where step_position = 1
    union all
    select
        step_label as from_step,
        next_step_label as to_step
    from steps_followed
),

transitions_counted as (
    select
        from_step,
        to_step,
        count(*) as transitions
    from transitions_listed
    group by from_step, to_step
),

final as (
    select
        cast(from_step as {{ dbt.type_string() }}) as from_step,
        cast(to_step as {{ dbt.type_string() }}) as to_step,
        cast(transitions as {{ dbt.type_bigint() }}) as transitions,
        cast(sum(transitions) over (partition by from_step) as {{ dbt.type_bigint() }})
            as from_step_transitions,
        cast(transitions as {{ dbt.type_float() }})
        / sum(transitions) over (partition by from_step) as transition_probability
    from transitions_counted
)

select * from final
