{#-
    The funnel per product: one row per product of products.csv and per
    product viewed, added or sold without being there (no name, category
    'unknown'). The counts come from int_product_activity_joined by the rule
    of product_funnel_ctes (doc block product_funnel).
-#}
with

products as (
    select * from {{ ref('stg_shop__products') }}
    where is_accepted
),

product_activity as (
    select * from {{ ref('int_product_activity_joined') }}
),

product_ids as (
    select product_id from products
    union
    select product_id from product_activity
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

{{ product_funnel_ctes('product_activity', 'product_id') }},

final as (
    select
        products_described.product_id,
        products_described.product_name,
        products_described.category,
        products_described.is_in_catalogue,
        products_described.price_usd,
        products_described.cost_usd,
        products_described.unit_margin_usd,
        {{ product_funnel_measures('sessions_counted', 'sales_summed', 'product_id') }}
    from products_described
    left join sessions_counted
        on products_described.product_id = sessions_counted.product_id
    left join sales_summed
        on products_described.product_id = sales_summed.product_id
)

select * from final
