{#- One row per session with accepted events: counts by type and first/last event time. -#}
with

sequenced_events as (
    select * from {{ ref('int_events_sequenced') }}
),

aggregated as (
    select
        session_id,
        min(event_at) as first_event_at,
        max(event_at) as last_event_at,
        count(*) as event_count,
        sum(case when event_type = 'page_view' then 1 else 0 end) as page_view_count,
        sum(case when event_type = 'add_to_cart' then 1 else 0 end) as add_to_cart_count,
        sum(case when event_type = 'checkout' then 1 else 0 end) as checkout_count,
        sum(case when event_type = 'purchase' then 1 else 0 end) as purchase_count,
        sum(
            case
                when event_type in ('page_view', 'add_to_cart', 'checkout', 'purchase') then 0
                else 1
            end
        ) as other_event_count
    from sequenced_events
    group by session_id
)

select * from aggregated
