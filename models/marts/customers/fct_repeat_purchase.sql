{#-
    Repeat purchase by cohort of first order: per calendar month (UTC) of the
    customers' first completed order, how many buyers, how many came back for
    a second completed order (at any later time in the data), and the median
    number of calendar days between the first and the second order.
-#}
with

customer_orders as (
    select * from {{ ref('int_customer_orders_sequenced') }}
    where customer_order_number <= 2
),

first_and_second_orders as (
    select
        customer_id,
        max(case when customer_order_number = 1 then ordered_at end) as first_order_at,
        max(case when customer_order_number = 2 then ordered_at end) as second_order_at
    from customer_orders
    group by customer_id
),

intervals_computed as (
    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'first_order_at') }} as date) as first_order_month,
        second_order_at is not null as is_repeat_buyer,
        case
            when second_order_at is not null
                then cast({{ dbt.datediff(
                    'cast(first_order_at as date)', 'cast(second_order_at as date)', 'day'
                ) }} as {{ dbt.type_bigint() }})
        end as days_first_to_second_order
    from first_and_second_orders
),

final as (
    select
        first_order_month,
        cast(count(*) as {{ dbt.type_bigint() }}) as n_buyers,
        cast(
            sum(case when is_repeat_buyer then 1 else 0 end) as {{ dbt.type_bigint() }}
        ) as n_repeat_buyers,
        cast(sum(case when is_repeat_buyer then 1 else 0 end) as {{ dbt.type_float() }})
        / count(*) as repeat_rate,
        {{ percentile_continuous(
            'cast(days_first_to_second_order as ' ~ dbt.type_float() ~ ')', 0.5
        ) }} as median_days_first_to_second_order
    from intervals_computed
    group by first_order_month
)

select * from final
