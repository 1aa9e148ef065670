{#-
    The ordered session funnel of two consecutive periods, for period-over-
    period comparisons: the last customer_behaviour__comparison_period_days
    days up to the as-of date (int_as_of_date_resolved) and the same number of
    days before them, by session_start_at's UTC date. One row per period,
    breakdown (overall, then each segment column's values) and step; every
    breakdown seen in either period has rows in both (counts of 0 included),
    so shares and rates compare like with like.
-#}
{%- set period_days = var('customer_behaviour__comparison_period_days', 7) -%}
{%- if period_days is not number or period_days is sameas true or period_days is sameas false
    or period_days != (period_days | int) or period_days < 1 -%}
    {{ exceptions.raise_compiler_error(
        "customer_behaviour__comparison_period_days must be a whole number of days, 1 or more, got '"
        ~ period_days ~ "': set it in dbt_project.yml or with --vars"
    ) }}
{%- endif -%}
{%- set period_days = period_days | int %}
with

sessions as (
    select * from {{ ref('fct_sessions') }}
),

as_of as (
    select as_of_date from {{ ref('int_as_of_date_resolved') }}
),

funnel_steps as (
    {{ funnel_step_rows() }}
),

periods as (
    select
        cast('current' as {{ dbt.type_string() }}) as period,
        cast({{ dbt.dateadd('day', 1 - period_days, 'as_of_date') }} as date) as period_start,
        as_of_date as period_end
    from as_of
    union all
    select
        cast('previous' as {{ dbt.type_string() }}) as period,
        cast({{ dbt.dateadd('day', 1 - 2 * period_days, 'as_of_date') }} as date) as period_start,
        cast({{ dbt.dateadd('day', 0 - period_days, 'as_of_date') }} as date) as period_end
    from as_of
),

sessions_in_periods as (
    {#- Every column: segments_unpivoted reads the configured segment columns. #}
    select
        sessions.*,
        periods.period
    from sessions
    inner join periods
        on
            cast(sessions.session_start_at as date) >= periods.period_start
            and cast(sessions.session_start_at as date) <= periods.period_end
),

session_segments as (
    {{ segments_unpivoted('sessions_in_periods', ['period', 'session_id', 'funnel_step_reached']) }}
),

sessions_by_step_reached as (
    select
        period,
        segment_type,
        segment_value,
        funnel_step_reached,
        count(*) as n_sessions
    from session_segments
    group by period, segment_type, segment_value, funnel_step_reached
),

breakdowns_seen as (
    select distinct
        segment_type,
        segment_value
    from sessions_by_step_reached
    union
    {#- The overall funnel of both periods exists even when a period has no sessions. #}
    select
        cast('overall' as {{ dbt.type_string() }}) as segment_type,
        cast('all' as {{ dbt.type_string() }}) as segment_value
),

segments as (
    select
        periods.period,
        breakdowns_seen.segment_type,
        breakdowns_seen.segment_value,
        coalesce(sum(sessions_by_step_reached.n_sessions), 0) as segment_sessions
    from periods
    cross join breakdowns_seen
    left join sessions_by_step_reached
        on
            periods.period = sessions_by_step_reached.period
            and breakdowns_seen.segment_type = sessions_by_step_reached.segment_type
            and breakdowns_seen.segment_value = sessions_by_step_reached.segment_value
    group by periods.period, breakdowns_seen.segment_type, breakdowns_seen.segment_value
),

steps_counted as (
    {{ funnel_steps_counted(
        'segments', 'sessions_by_step_reached', ['period', 'segment_type', 'segment_value'],
        total_column='segment_sessions', reached_count_column='n_sessions',
        count_column='sessions'
    ) }}
),

steps_rated as (
    select
        period,
        segment_type,
        segment_value,
        step_number,
        step_name,
        segment_sessions,
        sessions,
        {{ funnel_step_rates('sessions', ['period', 'segment_type', 'segment_value']) }}
    from steps_counted
),

final as (
    select
        steps_rated.period,
        periods.period_start,
        periods.period_end,
        steps_rated.segment_type,
        steps_rated.segment_value,
        steps_rated.step_number,
        steps_rated.step_name,
        steps_rated.segment_sessions,
        steps_rated.sessions,
        steps_rated.conversion_from_previous,
        steps_rated.conversion_from_start
    from steps_rated
    inner join periods
        on steps_rated.period = periods.period
)

select * from final
