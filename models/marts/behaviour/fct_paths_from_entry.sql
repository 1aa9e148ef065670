{#-
    The paths from an entry step: the sessions whose first collapsed step
    (int_path_steps_collapsed, label rule customer_behaviour__path_label) is
    an entry step (customer_behaviour__path_entry_steps: a step label or an
    event type; null = the first funnel step), their first
    customer_behaviour__path_steps_from_entry steps, a longer path ending in
    ' > ...'. Per entry step, the customer_behaviour__path_top_n most common
    paths get a row each, the rest one row `(other)`, with the share of the
    sessions that completed the funnel (doc block path_from_entry).
-#}
{%- set settings = path_settings() -%}
{%- set last_step = funnel_steps() | length -%}
{%- set max_steps = settings['steps_from_entry'] -%}
{%- set top_n = settings['top_n'] -%}
{%- set entries = [] -%}
{%- for entry in settings['entry_steps'] -%}
    {%- do entries.append("'" ~ dbt.escape_single_quotes(entry) ~ "'") -%}
{%- endfor -%}
with

path_steps as (
    select * from {{ ref('int_path_steps_collapsed') }}
),

funnel_sessions as (
    select * from {{ ref('int_sessions_funnel_evaluated') }}
),

entering_sessions as (
    select
        path_steps.session_id,
        path_steps.step_label as entry_step,
        path_steps.session_step_count,
        coalesce(funnel_sessions.funnel_step_reached = {{ last_step }}, false) as is_converted
    from path_steps
    left join funnel_sessions
        on path_steps.session_id = funnel_sessions.session_id
    where path_steps.step_position = 1
        and (
            path_steps.step_label in ({{ entries | join(', ') }})
            or path_steps.event_type in ({{ entries | join(', ') }})
        )
),

session_paths as (
    select
        path_steps.session_id,
        {{ dbt.listagg('path_steps.step_label', "' > '", 'order by path_steps.step_position') }}
            as shown_steps,
        count(*) as path_length
    from path_steps
    inner join entering_sessions
        on path_steps.session_id = entering_sessions.session_id
    where path_steps.step_position <= {{ max_steps }}
    group by path_steps.session_id
),

entering_sessions_labelled as (
    select
        entering_sessions.entry_step,
        case
            when entering_sessions.session_step_count > {{ max_steps }}
                then {{ dbt.concat(['session_paths.shown_steps', "' > ...'"]) }}
            else session_paths.shown_steps
        end as path,  -- noqa: RF04
        session_paths.path_length,
        case
            when entering_sessions.session_step_count > {{ max_steps }} then 1 else 0
        end as truncated_flag,
        case when entering_sessions.is_converted then 1 else 0 end as converted_flag
    from entering_sessions
    inner join session_paths
        on entering_sessions.session_id = session_paths.session_id
),

paths_counted as (
    select
        entry_step,
        path,
        path_length,
        truncated_flag,
        count(*) as sessions,
        sum(converted_flag) as converted_sessions
    from entering_sessions_labelled
    group by entry_step, path, path_length, truncated_flag
),

top_paths_grouped as (
    {{ top_paths_grouped(
        'paths_counted', top_n, partition_by=['entry_step'], sums=['converted_sessions']
    ) }}
),

final as (
    select
        cast(entry_step as {{ dbt.type_string() }}) as entry_step,
        cast(grouped_path as {{ dbt.type_string() }}) as path,  -- noqa: RF04
        cast(path_rank as {{ dbt.type_int() }}) as path_rank,
        cast(path_length as {{ dbt.type_int() }}) as path_length,
        truncated_flag = 1 as is_truncated,
        cast(distinct_paths as {{ dbt.type_bigint() }}) as distinct_paths,
        cast(sessions as {{ dbt.type_bigint() }}) as sessions,
        cast(sum(sessions) over (partition by entry_step) as {{ dbt.type_bigint() }})
            as entry_sessions,
        cast(sessions as {{ dbt.type_float() }})
        / sum(sessions) over (partition by entry_step) as share_of_entry_sessions,
        cast(converted_sessions as {{ dbt.type_bigint() }}) as converted_sessions,
        cast(converted_sessions as {{ dbt.type_float() }}) / sessions as conversion_rate
    from top_paths_grouped
)

select * from final
