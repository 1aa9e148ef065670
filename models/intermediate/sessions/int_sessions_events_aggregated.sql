{#-
    One row per session with accepted events: first/last event time, the
    count of each funnel step's event type (customer_behaviour__funnel_steps;
    columns named by funnel_step_stems, doc block funnel_step_columns) and of
    the events of any other type.

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
        ) as {{ dbt.type_bigint() }}) as other_event_count
    from sequenced_events
    group by session_id
)

select * from aggregated
