{#-
    What the product and category funnels count, at one grain: one row per
    product and session that viewed, added or bought it, and per completed
    order holding it. A session that viewed or added a product without buying
    it has one row with no order; a product bought in two orders of a session
    has two rows, each with the session's view and cart flags; a completed
    order placed outside any web session has rows without a session. The
    view and cart steps are the events of product_funnel_steps() (default
    page_view and add_to_cart) that name the product. fct_product_funnel and
    fct_category_funnel aggregate this (doc block product_funnel).
-#}
{%- set view_step, cart_step = product_funnel_steps() -%}
with

products as (
    select * from {{ ref('stg_shop__products') }}
    where is_accepted
),

sequenced_events as (
    select * from {{ ref('int_events_sequenced') }}
),

orders as (
    select * from {{ ref('int_orders_validated') }}
    where is_accepted
),

order_items as (
    select * from {{ ref('int_order_items_validated') }}
    where is_accepted
),

session_products_flagged as (
    select
        session_id,
        product_id,
        {{ dbt.bool_or("event_type = '" ~ dbt.escape_single_quotes(view_step) ~ "'") }}
            as has_view,
        {{ dbt.bool_or("event_type = '" ~ dbt.escape_single_quotes(cart_step) ~ "'") }}
            as has_cart
    from sequenced_events
    where product_id is not null
        and event_type in (
            '{{ dbt.escape_single_quotes(view_step) }}',
            '{{ dbt.escape_single_quotes(cart_step) }}'
        )
    group by session_id, product_id
),

order_products_summed as (
    {#- Lines of one product in one order share the product's cost, so the
        margin is NULL for all of them or for none. #}
    select
        orders.order_id,
        orders.session_id,
        order_items.product_id,
        sum(order_items.quantity) as units_purchased,
        sum(order_items.line_amount_usd) as revenue_usd,
        sum(
            order_items.quantity * (order_items.unit_price_usd - products.cost_usd)
        ) as gross_margin_usd
    from order_items
    inner join orders
        on order_items.order_id = orders.order_id
    left join products
        on order_items.product_id = products.product_id
    where orders.is_completed
    group by orders.order_id, orders.session_id, order_items.product_id
),

activity_joined as (
    select
        coalesce(
            session_products_flagged.product_id, order_products_summed.product_id
        ) as product_id,
        coalesce(
            session_products_flagged.session_id, order_products_summed.session_id
        ) as session_id,
        order_products_summed.order_id,
        coalesce(session_products_flagged.has_view, false) as has_view,
        coalesce(session_products_flagged.has_cart, false) as has_cart,
        order_products_summed.units_purchased,
        order_products_summed.revenue_usd,
        order_products_summed.gross_margin_usd
    from session_products_flagged
    full outer join order_products_summed
        on session_products_flagged.session_id = order_products_summed.session_id
            and session_products_flagged.product_id = order_products_summed.product_id
),

final as (
    select
        {{ record_hash(['product_id', 'session_id', 'order_id']) }} as product_activity_key,
        product_id,
        session_id,
        order_id,
        has_view,
        has_cart,
        cast(units_purchased as {{ dbt.type_bigint() }}) as units_purchased,
        cast(revenue_usd as {{ dbt.type_numeric() }}) as revenue_usd,
        cast(gross_margin_usd as {{ dbt.type_numeric() }}) as gross_margin_usd
    from activity_joined
)

select * from final
