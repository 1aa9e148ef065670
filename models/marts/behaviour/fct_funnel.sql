{#-
    The ordered session funnel in long format: one row per breakdown
    (overall, then each segment column's values) and funnel step. The steps
    come from customer_behaviour__funnel_steps and the breakdowns from
    customer_behaviour__funnel_segments, so neither needs SQL changes.
-#}
with

sessions as (
    select * from {{ ref('fct_sessions') }}
),

funnel_steps as (
    {{ funnel_step_rows() }}
),

session_segments as (
    {{ segments_unpivoted('sessions', ['session_id', 'funnel_step_reached']) }}
),

sessions_by_step_reached as (
    select
        segment_type,
        segment_value,
        funnel_step_reached,
        count(*) as n_sessions
    from session_segments
    group by segment_type, segment_value, funnel_step_reached
),

segments as (
    select
        segment_type,
        segment_value,
        sum(n_sessions) as segment_sessions
    from sessions_by_step_reached
    group by segment_type, segment_value
    union all
    {#- The overall funnel exists even when there are no sessions. #}
    select
        'overall' as segment_type,
        'all' as segment_value,
        0 as segment_sessions
    where not exists (select 1 from sessions)
),

steps_counted as (
    select
        segments.segment_type,
        segments.segment_value,
        funnel_steps.step_number,
        funnel_steps.step_name,
        cast(segments.segment_sessions as {{ dbt.type_bigint() }}) as segment_sessions,
        cast(coalesce(sum(sessions_by_step_reached.n_sessions), 0) as {{ dbt.type_bigint() }})
            as sessions
    from segments
    cross join funnel_steps
    left join sessions_by_step_reached
        on segments.segment_type = sessions_by_step_reached.segment_type
            and segments.segment_value = sessions_by_step_reached.segment_value
            and funnel_steps.step_number <= sessions_by_step_reached.funnel_step_reached
    group by
        segments.segment_type,
        segments.segment_value,
        funnel_steps.step_number,
        funnel_steps.step_name,
        segments.segment_sessions
),

final as (
    select
        segment_type,
        segment_value,
        step_number,
        step_name,
        segment_sessions,
        sessions,
        {{ funnel_step_rates('sessions', ['segment_type', 'segment_value']) }}
    from steps_counted
)

select * from final
