{#-
    The baskets that association rules are mined from: one row per product
    in each accepted, completed order (its accepted lines summed per
    product), with the product's category. Cancelled orders are not baskets.
-#}
with

validated_orders as (
    select * from {{ ref('int_orders_validated') }}
    where is_accepted
),

validated_order_items as (
    select * from {{ ref('int_order_items_validated') }}
    where is_accepted
),

products as (
    select * from {{ ref('stg_shop__products') }}
    where is_accepted
),

completed_orders as (
    select
        order_id,
        session_id,
        customer_id,
        ordered_at
    from validated_orders
    where is_completed
),

order_products_summed as (
    select
        order_id,
        product_id,
        cast(count(*) as {{ dbt.type_bigint() }}) as n_lines,
        cast(sum(quantity) as {{ dbt.type_bigint() }}) as quantity,
        cast(sum(line_amount_usd) as {{ dbt.type_numeric() }}) as amount_usd
    from validated_order_items
    group by order_id, product_id
),

final as (
    select
        {{ dbt.concat(['completed_orders.order_id', "'|'", 'order_products_summed.product_id']) }}
            as basket_item_key,
        completed_orders.order_id,
        order_products_summed.product_id,
        coalesce(products.category, 'unknown') as category,
        completed_orders.customer_id,
        completed_orders.session_id,
        completed_orders.ordered_at,
        order_products_summed.n_lines,
        order_products_summed.quantity,
        order_products_summed.amount_usd
    from completed_orders
    inner join order_products_summed
        on completed_orders.order_id = order_products_summed.order_id
    left join products
        on order_products_summed.product_id = products.product_id
)

select * from final
