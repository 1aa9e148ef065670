{#-
    The funnel per product and per category, in one table
    (aggregation_level 'product' or 'category'). A session viewed a product
    when it has a page_view event with that product_id, added it with an
    add_to_cart event with that product_id, and purchased it when one of its
    completed orders has an accepted line for it. Revenue, units and margin
    count every completed order, also those placed outside a web session.
    Products viewed, added or sold but missing from products.csv are kept
    (no name, category 'unknown').
-#}
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

purchased_lines as (
    select
        orders.order_id,
        orders.session_id,
        order_items.product_id,
        order_items.quantity,
        order_items.unit_price_usd,
        order_items.line_amount_usd
    from order_items
    inner join orders
        on order_items.order_id = orders.order_id
    where orders.is_completed
),

session_product_actions as (
    {#- Product-level steps are view and cart events, then the purchase. #}
    select
        session_id,
        product_id,
        case when event_type = 'page_view' then 1 else 0 end as has_view,
        case when event_type = 'add_to_cart' then 1 else 0 end as has_cart,
        0 as has_purchase
    from sequenced_events
    where product_id is not null
        and event_type in ('page_view', 'add_to_cart')
    union all
    select
        session_id,
        product_id,
        0 as has_view,
        0 as has_cart,
        1 as has_purchase
    from purchased_lines
    where session_id is not null
),

product_ids as (
    select product_id from products
    union
    select product_id from session_product_actions
    union
    select product_id from purchased_lines
),

products_described as (
    select
        product_ids.product_id,
        products.product_name,
        coalesce(products.category, 'unknown') as category,
        products.product_id is not null as is_in_catalogue,
        products.price_usd,
        products.cost_usd,
        products.margin_usd as unit_margin_usd
    from product_ids
    left join products
        on product_ids.product_id = products.product_id
),

session_products_flagged as (
    select
        session_product_actions.session_id,
        session_product_actions.product_id,
        products_described.category,
        max(session_product_actions.has_view) as has_view,
        max(session_product_actions.has_cart) as has_cart,
        max(session_product_actions.has_purchase) as has_purchase
    from session_product_actions
    inner join products_described
        on session_product_actions.product_id = products_described.product_id
    group by
        session_product_actions.session_id,
        session_product_actions.product_id,
        products_described.category
),

session_categories_flagged as (
    select
        session_id,
        category,
        max(has_view) as has_view,
        max(has_cart) as has_cart,
        max(has_purchase) as has_purchase
    from session_products_flagged
    group by session_id, category
),

product_sessions_counted as (
    select
        product_id,
        sum(has_view) as viewed_sessions,
        sum(has_cart) as carted_sessions,
        sum(has_purchase) as purchased_sessions,
        sum(has_view * has_cart) as viewed_and_carted_sessions,
        sum(has_cart * has_purchase) as carted_and_purchased_sessions
    from session_products_flagged
    group by product_id
),

category_sessions_counted as (
    select
        category,
        sum(has_view) as viewed_sessions,
        sum(has_cart) as carted_sessions,
        sum(has_purchase) as purchased_sessions,
        sum(has_view * has_cart) as viewed_and_carted_sessions,
        sum(has_cart * has_purchase) as carted_and_purchased_sessions
    from session_categories_flagged
    group by category
),

purchased_lines_costed as (
    select
        purchased_lines.order_id,
        purchased_lines.product_id,
        products_described.category,
        purchased_lines.quantity,
        purchased_lines.line_amount_usd,
        purchased_lines.quantity
        * (purchased_lines.unit_price_usd - products_described.cost_usd) as line_margin_usd
    from purchased_lines
    inner join products_described
        on purchased_lines.product_id = products_described.product_id
),

product_sales as (
    select
        product_id,
        count(distinct order_id) as n_orders,
        sum(quantity) as units_purchased,
        sum(line_amount_usd) as revenue_usd,
        {#- Unknown if any line's product has no cost. #}
        case when count(line_margin_usd) = count(*) then sum(line_margin_usd) end
            as gross_margin_usd
    from purchased_lines_costed
    group by product_id
),

category_sales as (
    select
        category,
        count(distinct order_id) as n_orders,
        sum(quantity) as units_purchased,
        sum(line_amount_usd) as revenue_usd,
        case when count(line_margin_usd) = count(*) then sum(line_margin_usd) end
            as gross_margin_usd
    from purchased_lines_costed
    group by category
),

product_rows as (
    select
        'product' as aggregation_level,
        products_described.product_id,
        products_described.product_name,
        products_described.category,
        products_described.is_in_catalogue,
        products_described.price_usd,
        products_described.cost_usd,
        products_described.unit_margin_usd,
        product_sessions_counted.viewed_sessions,
        product_sessions_counted.carted_sessions,
        product_sessions_counted.purchased_sessions,
        product_sessions_counted.viewed_and_carted_sessions,
        product_sessions_counted.carted_and_purchased_sessions,
        product_sales.n_orders,
        product_sales.units_purchased,
        product_sales.revenue_usd,
        case
            when product_sales.product_id is null then 0
            else product_sales.gross_margin_usd
        end as gross_margin_usd
    from products_described
    left join product_sessions_counted
        on products_described.product_id = product_sessions_counted.product_id
    left join product_sales
        on products_described.product_id = product_sales.product_id
),

categories as (
    select
        category,
        {{ dbt.bool_or('is_in_catalogue') }} as is_in_catalogue
    from products_described
    group by category
),

category_rows as (
    select
        'category' as aggregation_level,
        cast(null as {{ dbt.type_string() }}) as product_id,
        cast(null as {{ dbt.type_string() }}) as product_name,
        categories.category,
        categories.is_in_catalogue,
        cast(null as {{ dbt.type_numeric() }}) as price_usd,
        cast(null as {{ dbt.type_numeric() }}) as cost_usd,
        cast(null as {{ dbt.type_numeric() }}) as unit_margin_usd,
        category_sessions_counted.viewed_sessions,
        category_sessions_counted.carted_sessions,
        category_sessions_counted.purchased_sessions,
        category_sessions_counted.viewed_and_carted_sessions,
        category_sessions_counted.carted_and_purchased_sessions,
        category_sales.n_orders,
        category_sales.units_purchased,
        category_sales.revenue_usd,
        case
            when category_sales.category is null then 0
            else category_sales.gross_margin_usd
        end as gross_margin_usd
    from categories
    left join category_sessions_counted
        on categories.category = category_sessions_counted.category
    left join category_sales
        on categories.category = category_sales.category
),

funnel_rows as (
    select * from product_rows
    union all
    select * from category_rows
),

final as (
    select
        {{ dbt.concat([
            'aggregation_level', "':'",
            "coalesce(product_id, category)",
        ]) }} as product_funnel_key,
        aggregation_level,
        product_id,
        product_name,
        category,
        is_in_catalogue,
        price_usd,
        cost_usd,
        unit_margin_usd,
        cast(coalesce(viewed_sessions, 0) as {{ dbt.type_bigint() }}) as viewed_sessions,
        cast(coalesce(carted_sessions, 0) as {{ dbt.type_bigint() }}) as carted_sessions,
        cast(coalesce(purchased_sessions, 0) as {{ dbt.type_bigint() }}) as purchased_sessions,
        cast(coalesce(viewed_and_carted_sessions, 0) as {{ dbt.type_bigint() }})
            as viewed_and_carted_sessions,
        cast(coalesce(carted_and_purchased_sessions, 0) as {{ dbt.type_bigint() }})
            as carted_and_purchased_sessions,
        case
            when viewed_sessions > 0
                then cast(viewed_and_carted_sessions as {{ dbt.type_float() }}) / viewed_sessions
        end as view_to_cart_rate,
        case
            when carted_sessions > 0
                then cast(carted_and_purchased_sessions as {{ dbt.type_float() }}) / carted_sessions
        end as cart_to_purchase_rate,
        cast(coalesce(n_orders, 0) as {{ dbt.type_bigint() }}) as n_orders,
        cast(coalesce(units_purchased, 0) as {{ dbt.type_bigint() }}) as units_purchased,
        cast(coalesce(revenue_usd, 0) as {{ dbt.type_numeric() }}) as revenue_usd,
        cast(gross_margin_usd as {{ dbt.type_numeric() }}) as gross_margin_usd
    from funnel_rows
)

select * from final
