{#-
    One row per session with at least one completed order: the number of
    completed orders, units bought and Σ quantity × unit price of their
    accepted lines. Cancelled orders do not count.
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

completed_session_orders as (
    select
        order_id,
        session_id
    from validated_orders
    where is_completed
        and session_id is not null
),

order_lines_summed as (
    select
        order_id,
        cast(sum(quantity) as {{ dbt.type_bigint() }}) as items_purchased,
        sum(line_amount_usd) as amount_usd
    from validated_order_items
    group by order_id
),

aggregated as (
    select
        completed_session_orders.session_id,
        cast(count(*) as {{ dbt.type_bigint() }}) as n_orders,
        coalesce(sum(order_lines_summed.items_purchased), 0) as items_purchased,
        coalesce(sum(order_lines_summed.amount_usd), 0) as amount_usd
    from completed_session_orders
    left join order_lines_summed
        on completed_session_orders.order_id = order_lines_summed.order_id
    group by completed_session_orders.session_id
)

select * from aggregated
