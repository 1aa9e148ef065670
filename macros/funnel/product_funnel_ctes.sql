{#-
    The product funnel's counting rule, for any grain (doc block
    product_funnel): emits the CTEs

        sessions_flagged   per `group_column` value and session: has_view,
                           has_cart, has_purchase (any of the group's rows)
        sessions_counted   per value: viewed_sessions, carted_sessions,
                           purchased_sessions, viewed_and_carted_sessions,
                           carted_and_purchased_sessions
        sales_summed       per value: n_orders (distinct), units_purchased,
                           revenue_usd, gross_margin_usd (NULL when a sold
                           line's product has no known cost)

    from `activity_cte`, which has the columns of int_product_activity_joined
    and `group_column` (product_id for fct_product_funnel, category for
    fct_category_funnel). A session counts once per value, however many of
    its rows (products, orders) it has there.
-#}
{% macro product_funnel_ctes(activity_cte, group_column) -%}
sessions_flagged as (
    select
        {{ group_column }},
        session_id,
        {{ dbt.bool_or('has_view') }} as has_view,
        {{ dbt.bool_or('has_cart') }} as has_cart,
        {{ dbt.bool_or('order_id is not null') }} as has_purchase
    from {{ activity_cte }}
    where session_id is not null
    group by {{ group_column }}, session_id
),

sessions_counted as (
    select
        {{ group_column }},
        sum(case when has_view then 1 else 0 end) as viewed_sessions,
        sum(case when has_cart then 1 else 0 end) as carted_sessions,
        sum(case when has_purchase then 1 else 0 end) as purchased_sessions,
        sum(case when has_view and has_cart then 1 else 0 end) as viewed_and_carted_sessions,
        sum(case when has_cart and has_purchase then 1 else 0 end)
            as carted_and_purchased_sessions
    from sessions_flagged
    group by {{ group_column }}
),

sales_summed as (
    select
        {{ group_column }},
        count(distinct order_id) as n_orders,
        sum(units_purchased) as units_purchased,
        sum(revenue_usd) as revenue_usd,
        case
            when count(gross_margin_usd) = count(*) then sum(gross_margin_usd)
        end as gross_margin_usd
    from {{ activity_cte }}
    where order_id is not null
    group by {{ group_column }}
)
{%- endmacro %}
