{#-
    Paste the compiled SQL (target/compiled/customer_behaviour/analyses/) into DBeaver.
-#}
-- How many buyers come back for a second order?
--
-- Among customers with at least one completed order: the share with two or more, and the
-- average number of orders, overall, per month of the first order (cohort), per
-- customer country and per preferred device. Recent cohorts have had less time to come
-- back, so their rate is lower by construction. Reads marts.dim_customers.
with

customers as (
    select * from {{ ref('dim_customers') }}
),

buyers as (
    select
        customer_id,
        n_orders,
        is_repeat_buyer,
        coalesce(country, 'unknown') as country,
        coalesce(preferred_device, 'unknown') as preferred_device,
        cast(
            cast({{ dbt.date_trunc('month', 'first_order_at') }} as date)
            as {{ dbt.type_string() }}
        ) as first_order_month
    from customers
    where is_buyer
),

buyers_segmented as (
    select
        'overall' as segment_type,
        'all' as segment_value,
        n_orders,
        is_repeat_buyer
    from buyers
    union all
    select
        'first_order_month' as segment_type,
        first_order_month as segment_value,
        n_orders,
        is_repeat_buyer
    from buyers
    union all
    select
        'country' as segment_type,
        country as segment_value,
        n_orders,
        is_repeat_buyer
    from buyers
    union all
    select
        'preferred_device' as segment_type,
        preferred_device as segment_value,
        n_orders,
        is_repeat_buyer
    from buyers
),

final as (
    select
        segment_type,
        segment_value,
        count(*) as n_buyers,
        cast(sum(case when is_repeat_buyer then 1 else 0 end) as {{ dbt.type_bigint() }})
            as n_repeat_buyers,
        cast(sum(case when is_repeat_buyer then 1 else 0 end) as {{ dbt.type_float() }})
        / count(*) as repeat_rate,
        cast(sum(n_orders) as {{ dbt.type_float() }}) / count(*) as avg_orders_per_buyer
    from buyers_segmented
    group by segment_type, segment_value
)

select * from final
order by segment_type asc, segment_value asc
