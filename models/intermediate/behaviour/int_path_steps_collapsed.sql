{#-
    A session's steps under the configurable label rule of the question-paths
    (customer_behaviour__path_label, checked by path_settings; doc block
    path_label): each accepted event is labelled by the rule, then
    consecutive events with the same label (in event order: event_at, then
    event_id, as int_events_sequenced numbers them) collapse into one step,
    exactly as int_session_steps_collapsed collapses the path marts' labels.
    fct_paths_to_conversion and fct_paths_from_entry read these steps; the
    existing path marts keep their own label (doc block step_label).

    Incremental by session (macros/incremental/) under the event_type and
    page rules, whose labels read nothing but the session's own events. The
    product_category rule reads the product catalogue, and a catalogue change
    touches no session, so under it this is a table rebuilt on every run.
    Changing the rule rebuilds it whole on the next run (the rule is part of
    session_configuration_hash).
-#}
{%- set label_rule = path_settings()['label'] -%}
{{ config(
    materialized='table' if label_rule == 'product_category' else session_materialization(),
    pre_hook="{{ delete_changed_sessions() }}"
) }}
-- depends_on: {{ ref('base_sessions_changed') }}
with

sequenced_events as (
    select * from {{ ref('int_events_sequenced') }}
    where {{ in_changed_sessions(session_key('session_id')) }}
),

products as (
    select * from {{ ref('stg_shop__products') }}
    where is_accepted
),

events_labelled as (
    {#- The rule is a constant: each engine folds the branches it cannot take.
        A product missing from the catalogue (or rejected there) is in
        category unknown, as in the product funnel. #}
    select
        sequenced_events.session_id,
        sequenced_events.event_sequence,
        sequenced_events.event_at,
        sequenced_events.event_type,
        case
            when '{{ label_rule }}' = 'page' and sequenced_events.page is not null
                then {{ dbt.concat([
                    'sequenced_events.event_type', "': '", 'sequenced_events.page',
                ]) }}
            when
                '{{ label_rule }}' = 'product_category'
                and sequenced_events.product_id is not null
                then {{ dbt.concat([
                    'sequenced_events.event_type',
                    "': '",
                    "coalesce(products.category, 'unknown')",
                ]) }}
            else sequenced_events.event_type
        end as step_label
    from sequenced_events
    left join products
        on sequenced_events.product_id = products.product_id
),

{#- Every event of a step has the step's label, and each rule's label names
    the event type, so one step is one event type. #}
{{ steps_collapsed_ctes('events_labelled', 'path_steps', carried=['event_type']) }},

final as (
    select
        session_id,
        cast(step_position as {{ dbt.type_int() }}) as step_position,
        cast(step_label as {{ dbt.type_string() }}) as step_label,
        event_type,
        cast(first_event_sequence as {{ dbt.type_bigint() }}) as first_event_sequence,
        step_started_at,
        cast(event_count as {{ dbt.type_bigint() }}) as event_count,
        cast(count(*) over (partition by session_id) as {{ dbt.type_int() }})
            as session_step_count
    from path_steps_collapsed
)

select * from final
