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
{%- set timeout_minutes = var('customer_behaviour__session_timeout_minutes') -%}
{#- Whole minutes: a fraction would be cut on Spark (timestampadd takes a bigint). #}
{%- if timeout_minutes is boolean or timeout_minutes is not integer or timeout_minutes < 0 -%}
    {{ exceptions.raise_compiler_error(
        "customer_behaviour__session_timeout_minutes must be a whole number of minutes,"
        ~ " 0 or more (for example 30); it is " ~ timeout_minutes
    ) }}
{%- endif -%}
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
        coalesce(
            {{ dbt.dateadd(
                'minute', timeout_minutes,
                'coalesce(sessions.last_event_at, sessions.session_start_at)'
            ) }} > data_end.data_ends_at,
            false
        ) as is_open
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

in_progress_by_step as (
    {#- An open session that reached step k - 1 is still on its way to step k. #}
    select
        segment_type,
        segment_value,
        funnel_step_reached + 1 as step_number,
        n_sessions as in_progress_sessions
    from sessions_by_step_reached
    where is_open
        and funnel_step_reached < {{ funnel_steps() | length }}
),

steps_joined as (
    select
        steps_counted.segment_type,
        steps_counted.segment_value,
        steps_counted.step_number,
        steps_counted.step_name,
        steps_counted.segment_sessions,
        steps_counted.sessions,
        closed_steps_counted.segment_closed_sessions,
        closed_steps_counted.closed_sessions,
        cast(coalesce(in_progress_by_step.in_progress_sessions, 0) as {{ dbt.type_bigint() }})
            as in_progress_sessions
    from steps_counted
    inner join closed_steps_counted
        on steps_counted.segment_type = closed_steps_counted.segment_type
            and steps_counted.segment_value = closed_steps_counted.segment_value
            and steps_counted.step_number = closed_steps_counted.step_number
    left join in_progress_by_step
        on steps_counted.segment_type = in_progress_by_step.segment_type
            and steps_counted.segment_value = in_progress_by_step.segment_value
            and steps_counted.step_number = in_progress_by_step.step_number
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
