{#-
    The ordered session funnel in long format: one row per breakdown
    (overall, then each segment column's values) and funnel step. The steps
    come from customer_behaviour__funnel_steps and the breakdowns from
    customer_behaviour__funnel_segments, so neither needs SQL changes.

    A session whose last event (its start when it has none) is less than
    customer_behaviour__session_timeout_minutes before the end of the data
    (int_funnel_data_end_resolved) may still be running: when it has not
    completed the funnel it is in progress at its next step, not a drop-off.
    The closed_ columns count the other sessions only.
-#}
with

sessions as (
    select * from {{ ref('fct_sessions') }}
),

data_end as (
    select * from {{ ref('int_funnel_data_end_resolved') }}
),

funnel_steps as (
    {{ funnel_step_rows() }}
),

sessions_flagged as (
    select
        sessions.*,
        {{ session_is_open('sessions', 'data_end') }} as is_open
    from sessions
    cross join data_end
),

session_segments as (
    {{ segments_unpivoted('sessions_flagged', ['session_id', 'funnel_step_reached', 'is_open']) }}
),

sessions_by_step_reached as (
    select
        segment_type,
        segment_value,
        funnel_step_reached,
        is_open,
        count(*) as n_sessions
    from session_segments
    group by segment_type, segment_value, funnel_step_reached, is_open
),

closed_sessions_by_step_reached as (
    select * from sessions_by_step_reached
    where not is_open
),

segments as (
    select
        segment_type,
        segment_value,
        sum(n_sessions) as segment_sessions,
        sum(case when is_open then 0 else n_sessions end) as segment_closed_sessions
    from sessions_by_step_reached
    group by segment_type, segment_value
    union all
    {#- The overall funnel exists even when there are no sessions. #}
    select
        'overall' as segment_type,
        'all' as segment_value,
        0 as segment_sessions,
        0 as segment_closed_sessions
    where not exists (select 1 from sessions)
),

steps_counted as (
    {{ funnel_steps_counted(
        'segments', 'sessions_by_step_reached', ['segment_type', 'segment_value'],
        total_column='segment_sessions', reached_count_column='n_sessions',
        count_column='sessions'
    ) }}
),

closed_steps_counted as (
    {{ funnel_steps_counted(
        'segments', 'closed_sessions_by_step_reached', ['segment_type', 'segment_value'],
        total_column='segment_closed_sessions', reached_count_column='n_sessions',
        count_column='closed_sessions'
    ) }}
),

steps_joined as (
    {{ funnel_in_progress_joined(
        'steps_counted', 'closed_steps_counted', 'sessions_by_step_reached',
        ['segment_type', 'segment_value'], 'sessions', funnel_steps() | length
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
        {{ funnel_step_rates('sessions', ['segment_type', 'segment_value']) }},
        in_progress_sessions,
        segment_closed_sessions,
        closed_sessions,
        {{ funnel_step_rates('closed_sessions', ['segment_type', 'segment_value'], 'closed_') }}
    from steps_joined
)

select * from final
