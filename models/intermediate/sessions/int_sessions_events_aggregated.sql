{#-
    One row per session with accepted events: first/last event time, the
    count of each funnel step's event type (customer_behaviour__funnel_steps;
    columns named by funnel_step_stems, doc block funnel_step_columns) and of
    the events of any other type; and the pre-intent engagement (doc block
    pre_intent): when the first event of step 2's type happened and how many
    events came strictly before it.

    Incremental by session (macros/incremental/).
-#}
{{ config(
    materialized=session_materialization(),
    pre_hook="{{ delete_changed_sessions() }}"
) }}
-- depends_on: {{ ref('base_sessions_changed') }}
{%- set steps = funnel_steps() %}
{%- set stems = funnel_step_stems(steps) %}
{%- set step_literals = [] %}
{%- for step in steps %}
    {%- do step_literals.append("'" ~ dbt.escape_single_quotes(step) ~ "'") %}
{%- endfor %}
with

sequenced_events as (
    select * from {{ ref('int_events_sequenced') }}
    where {{ in_changed_sessions(session_key('session_id')) }}
),

intent_marked as (
    {#- The intent event is the first event of step 2's type anywhere in the
        session, in or out of funnel order (unlike step_2_at): it is the
        moment the visitor shows purchase intent, after which events are
        partly the purchase itself. #}
    select
        session_id,
        event_at,
        event_type,
        min(
            case when event_type = {{ step_literals[1] }} then event_at end
        ) over (partition by session_id) as intent_at
    from sequenced_events
),

aggregated as (
    select
        session_id,
        min(event_at) as first_event_at,
        max(event_at) as last_event_at,
        cast(count(*) as {{ dbt.type_bigint() }}) as event_count,
        {% for literal in step_literals %}
            cast(
                sum(case when event_type = {{ literal }} then 1 else 0 end)
                as {{ dbt.type_bigint() }}
            ) as {{ stems[loop.index0] }}_count,
        {% endfor %}
        cast(sum(
            case
                when event_type in ({{ step_literals | join(', ') }}) then 0
                else 1
            end
        ) as {{ dbt.type_bigint() }}) as other_event_count,
        min(intent_at) as intent_at,
        {#- Strictly before: events logged in the same second as the intent
            event are not pre-intent, whatever their event_id. #}
        cast(sum(
            case
                when intent_at is null or event_at < intent_at then 1
                else 0
            end
        ) as {{ dbt.type_bigint() }}) as pre_intent_event_count
    from intent_marked
    group by session_id
)

select * from aggregated
