{#-
    One row per session that reached at least the first funnel step, with the
    moment each ordered step was first reached (see the ordered_funnel_ctes
    macro and the `funnel` doc block).

    Incremental by session (macros/incremental/).
-#}
{{ config(
    materialized=session_materialization(),
    pre_hook="{{ delete_changed_sessions() }}"
) }}
-- depends_on: {{ ref('base_sessions_changed') }}
with

sequenced_events as (
    select * from {{ ref('int_events_sequenced') }}
    where {{ in_changed_sessions(session_key('session_id')) }}
),

{{ ordered_funnel_ctes('sequenced_events', funnel_steps()) }}

select * from funnel_steps_reached
