{#-
    One row per completed, accepted order that belongs to a customer (see the
    doc block customer_order_attribution), with its items and amount and its
    position among the customer's completed orders.
-#}
with

orders as (
    select * from {{ ref('int_orders_validated') }}
    where is_accepted
        and is_completed
),

sessions as (
    select
        session_id,
        customer_id
    from {{ ref('stg_shop__sessions') }}
    where is_accepted
),

order_items as (
    select * from {{ ref('int_order_items_validated') }}
    where is_accepted
),

order_lines_summed as (
    select
        order_id,
        cast(sum(quantity) as {{ dbt.type_bigint() }}) as items_purchased,
        sum(line_amount_usd) as amount_usd
    from order_items
    group by order_id
),

orders_attributed as (
    select
        orders.order_id,
        coalesce(orders.customer_id, sessions.customer_id) as customer_id,
        orders.customer_id is null as is_attributed_via_session,
        orders.session_id,
        orders.ordered_at,
        cast(orders.ordered_at as date) as order_date,
        coalesce(order_lines_summed.items_purchased, 0) as items_purchased,
        cast(coalesce(order_lines_summed.amount_usd, 0) as {{ dbt.type_numeric() }}) as amount_usd
    from orders
    left join sessions
        on orders.session_id = sessions.session_id
    left join order_lines_summed
        on orders.order_id = order_lines_summed.order_id
),

final as (
    select
        order_id,
        customer_id,
        is_attributed_via_session,
        session_id,
        ordered_at,
        order_date,
        items_purchased,
        amount_usd,
        row_number() over (
            partition by customer_id
            order by ordered_at, {{ collate_binary('order_id') }}
        ) as customer_order_number
    from orders_attributed
    where customer_id is not null
)

select * from final
