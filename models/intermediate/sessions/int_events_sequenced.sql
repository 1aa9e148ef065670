{#-
    Accepted events in session order: event_sequence numbers each session's
    events by (event_at, event_id), and step_label is what paths show (the
    page for an event of the funnel's first step, page_view by default, with
    a page, else the event type; doc block step_label).

    Incremental by session (macros/incremental/).
-#}
{{ config(
    materialized=session_materialization(),
    pre_hook="{{ delete_changed_sessions() }}"
) }}
-- depends_on: {{ ref('base_sessions_changed') }}
{%- set page_step = funnel_steps()[0] %}
with

validated_events as (
    select * from {{ ref('int_events_validated') }}
    where is_accepted
        and {{ in_changed_sessions(session_key('session_id')) }}
),

sequenced as (
    select
        event_id,
        session_id,
        event_at,
        event_type,
        page,
        product_id,
        case
            when event_type = '{{ dbt.escape_single_quotes(page_step) }}' and page is not null
                then page
            else event_type
        end as step_label,
        row_number() over (
            partition by session_id
            order by event_at, {{ collate_binary('event_id') }}
        ) as event_sequence
    from validated_events
)

select * from sequenced
