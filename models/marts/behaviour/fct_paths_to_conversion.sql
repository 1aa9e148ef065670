{#-
    The paths that lead to a conversion: for each session that completed the
    funnel (reached its last step, int_sessions_funnel_evaluated), the last
    customer_behaviour__path_steps_before_conversion collapsed steps before
    its conversion event (int_path_steps_collapsed, label rule
    customer_behaviour__path_label). The customer_behaviour__path_top_n most
    common paths get a row each, the rest one row `(other)` (doc block
    path_to_conversion).

    PostgreSQL estimates the conversion events (a join on session and
    timestamp, then a CTE read twice) at one row and re-ran the whole path
    aggregation once per converting session in a nested loop: over 12
    minutes at 300,000 sessions, 1 s with hash joins (docs/scale.md).
-#}
{{ config(pre_hook="{{ without_nested_loops() }}") }}
{%- set settings = path_settings() -%}
{%- set steps = funnel_steps() -%}
{%- set last_step = steps | length -%}
{%- set max_steps = settings['steps_before_conversion'] -%}
{%- set top_n = settings['top_n'] -%}
with

funnel_sessions as (
    select * from {{ ref('int_sessions_funnel_evaluated') }}
),

sequenced_events as (
    select * from {{ ref('int_events_sequenced') }}
),

path_steps as (
    select * from {{ ref('int_path_steps_collapsed') }}
),

sessions as (
    select * from {{ ref('fct_sessions') }}
),

conversion_events as (
    {#- The funnel reaches its last step at the earliest event of that type
        at or after the previous step (by time only); of several events in
        that second, the first in event order is the conversion event. #}
    select
        funnel_sessions.session_id,
        min(sequenced_events.event_sequence) as conversion_sequence
    from funnel_sessions
    inner join sequenced_events
        on funnel_sessions.session_id = sequenced_events.session_id
            and funnel_sessions.step_{{ last_step }}_at = sequenced_events.event_at
            and sequenced_events.event_type = '{{ dbt.escape_single_quotes(steps[-1]) }}'
    where funnel_sessions.funnel_step_reached = {{ last_step }}
    group by funnel_sessions.session_id
),

steps_before_conversion as (
    {#- The collapsed steps of the events before the conversion event are the
        steps that start before it (the last one may be cut short). #}
    select
        path_steps.session_id,
        path_steps.step_position,
        path_steps.step_label,
        count(*) over (partition by path_steps.session_id) as steps_before,
        row_number() over (
            partition by path_steps.session_id
            order by path_steps.step_position desc
        ) as steps_back
    from path_steps
    inner join conversion_events
        on path_steps.session_id = conversion_events.session_id
            and path_steps.first_event_sequence < conversion_events.conversion_sequence
),

session_paths as (
    select
        session_id,
        {{ dbt.listagg('step_label', "' > '", 'order by step_position') }} as shown_steps,
        count(*) as path_length,
        max(steps_before) as steps_before
    from steps_before_conversion
    where steps_back <= {{ max_steps }}
    group by session_id
),

converting_sessions_labelled as (
    select
        conversion_events.session_id,
        case
            when session_paths.session_id is null then '(none)'
            when session_paths.steps_before > {{ max_steps }}
                then {{ dbt.concat(["'... > '", 'session_paths.shown_steps']) }}
            else session_paths.shown_steps
        end as path,  -- noqa: RF04
        coalesce(session_paths.path_length, 0) as path_length,
        coalesce(session_paths.steps_before > {{ max_steps }}, false) as is_truncated,
        sessions.amount_usd
    from conversion_events
    left join session_paths
        on conversion_events.session_id = session_paths.session_id
    inner join sessions
        on conversion_events.session_id = sessions.session_id
),

paths_counted as (
    select
        path,
        path_length,
        case when is_truncated then 1 else 0 end as truncated_flag,
        count(*) as sessions,
        sum(amount_usd) as amount_usd
    from converting_sessions_labelled
    {#- A path's text fixes its length and whether it was cut. #}
    group by path, path_length, is_truncated
),

top_paths_grouped as (
    {{ top_paths_grouped('paths_counted', top_n, sums=['amount_usd']) }}
),

final as (
    select
        cast(grouped_path as {{ dbt.type_string() }}) as path,  -- noqa: RF04
        cast(path_rank as {{ dbt.type_int() }}) as path_rank,
        cast(path_length as {{ dbt.type_int() }}) as path_length,
        truncated_flag = 1 as is_truncated,
        cast(distinct_paths as {{ dbt.type_bigint() }}) as distinct_paths,
        cast(sessions as {{ dbt.type_bigint() }}) as sessions,
        cast(sessions as {{ dbt.type_float() }}) / sum(sessions) over () as share_of_conversions,
        amount_usd,
        cast(amount_usd as {{ dbt.type_float() }})
        / nullif(sum(amount_usd) over (), 0) as share_of_amount,
        cast(amount_usd as {{ dbt.type_float() }}) / sessions as amount_per_session_usd
    from top_paths_grouped
)

select * from final
