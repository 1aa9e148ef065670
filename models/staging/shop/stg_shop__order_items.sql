{#-
    One row per raw order-item row, cleaned and typed, with its
    rejection_reason (NULL = accepted). Order items have no single key: exact
    copies collapse, but two different lines for the same order and product
    are both kept. Whether the order exists is checked in
    int_order_items_validated.
-#}
with

source as (
    select * from {{ shop_source('order_items') }}
),

cleaned as (
    select
        {{ raw_record(['order_id', 'product_id', 'quantity', 'unit_price_usd']) }} as raw_record,

        -- ids
        {{ clean_text('order_id') }} as order_id,
        {{ clean_text('product_id') }} as product_id,

        -- numerics, still text
        {{ clean_text('quantity') }} as quantity_text,
        {{ clean_text('unit_price_usd') }} as unit_price_usd_text

    from source
    {{ evaluate_once() }}
),

typed as (
    select
        *,
        {{ parse_integer('quantity_text') }} as quantity,
        {{ parse_decimal('unit_price_usd_text') }} as unit_price_usd
    from cleaned
    {{ evaluate_once() }}
),

row_checked as (
    select
        *,
        case
            when order_id is null then 'missing_order_id'
            when product_id is null then 'missing_product_id'
            when quantity_text is null then 'missing_quantity'
            when quantity is null then 'invalid_quantity'
            when quantity <= 0 then 'non_positive_quantity'
            when unit_price_usd_text is null then 'missing_unit_price_usd'
            when unit_price_usd is null then 'invalid_unit_price_usd'
            when unit_price_usd < 0 then 'negative_unit_price_usd'
        end as row_issue
    from typed
),

{{ quarantine_duplicates(
    'row_checked',
    ['order_id', 'product_id', 'quantity', 'unit_price_usd']
) }},

final as (
    select
        staged_row_id,
        order_id,
        product_id,
        quantity,
        unit_price_usd,
        quantity * unit_price_usd as line_amount_usd,
        rejection_reason,
        rejection_reason is null as is_accepted,
        {{ dbt.concat([
            "coalesce(order_id, '(missing)')", "'|'", "coalesce(product_id, '(missing)')",
        ]) }}
            as record_key,
        raw_record
    from deduplicated
)

select * from final
