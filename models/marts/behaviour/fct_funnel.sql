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
    {{ funnel_steps_counted(
        'segments', 'sessions_by_step_reached', ['segment_type', 'segment_value'],
        total_column='segment_sessions', reached_count_column='n_sessions',
        count_column='sessions'
    ) }}
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
