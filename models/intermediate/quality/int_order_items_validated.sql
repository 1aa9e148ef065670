{#-
    Every staged order-item row with its final rejection_reason: the staging
    reason, else 'unknown_order' when its order is not an accepted order
    (after the order's own reference check).
-#}
with

staged_order_items as (
    select * from {{ ref('stg_shop__order_items') }}
),

accepted_orders as (
    select order_id from {{ ref('int_orders_validated') }}
    where is_accepted
),

reference_checked as (
    select
        staged_order_items.staged_row_id,
        staged_order_items.order_id,
        staged_order_items.product_id,
        staged_order_items.quantity,
        staged_order_items.unit_price_usd,
        staged_order_items.line_amount_usd,
        case
            when staged_order_items.rejection_reason is not null
                then staged_order_items.rejection_reason
            when accepted_orders.order_id is null then 'unknown_order'
        end as rejection_reason,
        staged_order_items.record_key,
        staged_order_items.raw_record
    from staged_order_items
    left join accepted_orders
        on staged_order_items.order_id = accepted_orders.order_id
),

final as (
    select
        *,
        rejection_reason is null as is_accepted
    from reference_checked
)

select * from final
