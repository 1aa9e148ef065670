{#-
    The funnel per product category: one row per category of
    fct_product_funnel ('unknown' holds the products without one). A session
    counts once per category however many of its products it touched; an
    order counts once however many of its lines are in the category. The
    rule: product_funnel_ctes (doc block product_funnel).
-#}
with

products as (
    select * from {{ ref('fct_product_funnel') }}
),

product_activity as (
    select * from {{ ref('int_product_activity_joined') }}
),

activity_categorised as (
    select
        product_activity.*,
        products.category
    from product_activity
    inner join products
        on product_activity.product_id = products.product_id
),

categories as (
    select
        category,
        cast(count(*) as {{ dbt.type_bigint() }}) as n_products,
        {{ dbt.bool_or('is_in_catalogue') }} as is_in_catalogue
    from products
    group by category
),

{{ product_funnel_ctes('activity_categorised', 'category') }},

final as (
    select
        categories.category,
        categories.n_products,
        categories.is_in_catalogue,
        {{ product_funnel_measures('sessions_counted', 'sales_summed', 'category') }}
    from categories
    left join sessions_counted
        on categories.category = sessions_counted.category
    left join sales_summed
        on categories.category = sales_summed.category
)

select * from final
