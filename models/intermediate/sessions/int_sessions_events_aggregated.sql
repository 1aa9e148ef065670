{#-
    One row per session with accepted events: counts by type and first/last
    event time. "Other" events are any type outside the four standard funnel
    event types (page_view, add_to_cart, checkout, purchase).

    Incremental by session (macros/incremental/).
-#}
{{ config(
    materialized=session_materialization(),
    pre_hook="{{ delete_changed_sessions() }}"
) }}
-- depends_on: {{ ref('stg_shop__sessions_changed') }}
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
        cast(sum(case when event_type = 'page_view' then 1 else 0 end) as {{ dbt.type_bigint() }})
            as page_view_count,
        cast(sum(case when event_type = 'add_to_cart' then 1 else 0 end) as {{ dbt.type_bigint() }})
            as add_to_cart_count,
        cast(sum(case when event_type = 'checkout' then 1 else 0 end) as {{ dbt.type_bigint() }})
            as checkout_count,
        cast(sum(case when event_type = 'purchase' then 1 else 0 end) as {{ dbt.type_bigint() }})
            as purchase_count,
        cast(sum(
            case
                when event_type in ('page_view', 'add_to_cart', 'checkout', 'purchase') then 0
                else 1
            end
        ) as {{ dbt.type_bigint() }}) as other_event_count
    from sequenced_events
    group by session_id
)

select * from aggregated
