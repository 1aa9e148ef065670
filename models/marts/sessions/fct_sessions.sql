{#-
    The gold table: one row per accepted session, with its timing, engagement,
    ordered funnel progress and purchase outcome. Column definitions are in
    _sessions__models.yml.
-#}
with

sessions as (
    select * from {{ ref('stg_shop__sessions') }}
    where is_accepted
),

session_events as (
    select * from {{ ref('int_sessions_events_aggregated') }}
),

session_funnels as (
    select * from {{ ref('int_sessions_funnel_evaluated') }}
),

session_orders as (
    select * from {{ ref('int_sessions_orders_aggregated') }}
),

sessions_joined as (
    select
        sessions.session_id,
        sessions.customer_id,
        sessions.device,
        sessions.traffic_source,
        sessions.country,
        case
            when session_events.first_event_at < sessions.session_start_at
                then session_events.first_event_at
            else sessions.session_start_at
        end as session_start_at,
        session_events.first_event_at,
        session_events.last_event_at,
        coalesce(session_events.event_count, 0) as event_count,
        coalesce(session_events.page_view_count, 0) as page_view_count,
        coalesce(session_events.add_to_cart_count, 0) as add_to_cart_count,
        coalesce(session_events.checkout_count, 0) as checkout_count,
        coalesce(session_events.purchase_count, 0) as purchase_count,
        coalesce(session_events.other_event_count, 0) as other_event_count,
        coalesce(session_funnels.funnel_step_reached, 0) as funnel_step_reached,
        coalesce(session_orders.n_orders, 0) as n_orders,
        coalesce(session_orders.items_purchased, 0) as items_purchased,
        coalesce(session_orders.amount_usd, 0) as amount_usd
    from sessions
    left join session_events
        on sessions.session_id = session_events.session_id
    left join session_funnels
        on sessions.session_id = session_funnels.session_id
    left join session_orders
        on sessions.session_id = session_orders.session_id
),

timings_computed as (
    select
        *,
        case
            when first_event_at is not null
                then {{ seconds_between('session_start_at', 'first_event_at') }}
        end as first_event_delay_seconds,
        case
            when last_event_at is not null
                then {{ seconds_between('session_start_at', 'last_event_at') }}
            else 0
        end as session_seconds,
        row_number() over (
            partition by customer_id
            order by session_start_at, {{ collate_binary('session_id') }}
        ) as customer_session_sequence
    from sessions_joined
),

sessions_measured as (
    select
        session_id,
        customer_id,
        device,
        traffic_source,
        country,
        session_start_at,
        first_event_at,
        last_event_at,
        first_event_delay_seconds,
        session_seconds,
        event_count,
        page_view_count,
        add_to_cart_count,
        checkout_count,
        purchase_count,
        other_event_count,
        page_view_count > 0 as has_page_view,
        add_to_cart_count > 0 as has_add_to_cart,
        checkout_count > 0 as has_checkout,
        purchase_count > 0 as has_purchase,
        funnel_step_reached,
        case
            when session_seconds > 0
                then cast(event_count as {{ dbt.type_float() }}) * 60 / session_seconds
        end as events_per_minute,
        event_count = 1 and page_view_count = 1 as is_bounce,
        n_orders,
        n_orders > 0 as did_purchase,
        items_purchased,
        amount_usd,
        case
            when items_purchased > 0
                then cast(amount_usd / items_purchased as {{ dbt.type_numeric() }})
        end as avg_item_price_usd,
        case
            when customer_id is not null then customer_session_sequence
        end as session_number
    from timings_computed
),

purchase_style_medians as (
    {#- Over purchasing sessions with at least one accepted order line, as
        type_float (double on every target); avg_item_price_usd is compared
        with the median in that same type below. #}
    select
        {{ percentile_continuous(
            'cast(items_purchased as ' ~ dbt.type_float() ~ ')', 0.5
        ) }} as median_items_purchased,
        {{ percentile_continuous(
            'cast(avg_item_price_usd as ' ~ dbt.type_float() ~ ')', 0.5
        ) }} as median_avg_item_price_usd
    from sessions_measured
    where did_purchase
        and items_purchased > 0
),

final as (
    {#- purchase_style: see the doc block purchase_style. #}
    select
        sessions_measured.*,
        case
            when not sessions_measured.did_purchase then null
            when sessions_measured.items_purchased = 0 then 'unknown'
            when
                sessions_measured.items_purchased > purchase_style_medians.median_items_purchased
                and cast(sessions_measured.avg_item_price_usd as {{ dbt.type_float() }})
                < purchase_style_medians.median_avg_item_price_usd
                then 'cheap_many'
            when
                sessions_measured.items_purchased <= purchase_style_medians.median_items_purchased
                and cast(sessions_measured.avg_item_price_usd as {{ dbt.type_float() }})
                >= purchase_style_medians.median_avg_item_price_usd
                then 'expensive_few'
            else 'mixed'
        end as purchase_style
    from sessions_measured
    cross join purchase_style_medians
)

select * from final
