{#-
    One row per raw product row, cleaned and typed, with its rejection_reason
    (NULL = accepted). Price and cost may be missing; when given they must be
    valid, non-negative decimals. margin_usd = price - cost.
-#}
with

source as (
    select * from {{ shop_source('products') }}
),

cleaned as (
    select
        {{ raw_record(['product_id', 'product_name', 'category', 'price_usd', 'cost_usd']) }}
            as raw_record,

        -- ids
        {{ clean_text('product_id') }} as product_id,

        -- strings
        {{ clean_text('product_name') }} as product_name,
        coalesce(lower({{ clean_text('category') }}), 'unknown') as category,

        -- numerics, still text
        {{ clean_text('price_usd') }} as price_usd_text,
        {{ clean_text('cost_usd') }} as cost_usd_text

    from source
    {{ evaluate_once() }}
),

typed as (
    select
        *,
        {{ parse_decimal('price_usd_text') }} as price_usd,
        {{ parse_decimal('cost_usd_text') }} as cost_usd
    from cleaned
    {{ evaluate_once() }}
),

row_checked as (
    select
        *,
        case
            when product_id is null then 'missing_product_id'
            when price_usd_text is not null and price_usd is null then 'invalid_price_usd'
            when price_usd < 0 then 'negative_price_usd'
            when cost_usd_text is not null and cost_usd is null then 'invalid_cost_usd'
            when cost_usd < 0 then 'negative_cost_usd'
        end as row_issue
    from typed
),

{{ quarantine_duplicates(
    'row_checked',
    ['product_id', 'product_name', 'category', 'price_usd', 'cost_usd'],
    key_column='product_id'
) }},

final as (
    select
        staged_row_id,
        product_id,
        product_name,
        category,
        price_usd,
        cost_usd,
        price_usd - cost_usd as margin_usd,
        rejection_reason,
        rejection_reason is null as is_accepted,
        coalesce(product_id, '(missing)') as record_key,
        raw_record
    from deduplicated
)

select * from final
