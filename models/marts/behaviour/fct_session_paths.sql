{#-
    The most common session paths: one row per distinct path, the session's
    collapsed steps (int_session_steps_collapsed) joined with ' > ', the
    first customer_behaviour__path_max_steps of them, a longer path ending
    in ' > ...'. Sessions without accepted events have no path and are not
    counted.
-#}
{%- set max_steps = var('customer_behaviour__path_max_steps') -%}
with

session_steps as (
    select * from {{ ref('int_session_steps_collapsed') }}
),

sessions as (
    select * from {{ ref('fct_sessions') }}
),

session_paths as (
    select
        session_id,
        {{ dbt.listagg('step_label', "' > '", 'order by step_position') }} as shown_steps,
        count(*) as path_length,
        max(session_step_count) as session_step_count
    from session_steps
    where step_position <= {{ max_steps }}
    group by session_id
),

session_paths_labelled as (
    select
        session_paths.session_id,
        case
            when session_paths.session_step_count > {{ max_steps }}
                then {{ dbt.concat(['session_paths.shown_steps', "' > ...'"]) }}
            else session_paths.shown_steps
        end as path,  -- noqa: RF04
        session_paths.path_length,
        session_paths.session_step_count > {{ max_steps }} as is_truncated,
        sessions.did_purchase
    from session_paths
    inner join sessions
        on session_paths.session_id = sessions.session_id
),

paths_counted as (
    select
        path,
        max(path_length) as path_length,
        {{ dbt.bool_or('is_truncated') }} as is_truncated,
        count(*) as sessions,
        sum(case when did_purchase then 1 else 0 end) as purchase_sessions
    from session_paths_labelled
    group by path
),

final as (
    select
        path,
        cast(path_length as {{ dbt.type_int() }}) as path_length,
        is_truncated,
        cast(sessions as {{ dbt.type_bigint() }}) as sessions,
        cast(sessions as {{ dbt.type_float() }}) / sum(sessions) over () as share_of_sessions,
        cast(purchase_sessions as {{ dbt.type_bigint() }}) as purchase_sessions,
        cast(purchase_sessions as {{ dbt.type_float() }}) / sessions as purchase_rate,
        cast(row_number() over (
            order by sessions desc, {{ collate_binary('path') }}
        ) as {{ dbt.type_int() }}) as path_rank
    from paths_counted
)

select * from final
