{#-
    Every customer_id the data mentions, once: the accepted customers.csv rows
    plus the customer_ids of accepted sessions and accepted orders (completed
    or cancelled), so that no customer is lost when customers.csv is
    incomplete.
-#}
with

customers as (
    select customer_id from {{ ref('stg_shop__customers') }}
    where is_accepted
),

sessions as (
    select customer_id from {{ ref('stg_shop__sessions') }}
    where is_accepted
        and customer_id is not null
),

orders as (
    select customer_id from {{ ref('int_orders_validated') }}
    where is_accepted
        and customer_id is not null
),

sightings_unioned as (
    select
        customer_id,
        1 as in_customers,
        0 as in_sessions,
        0 as in_orders
    from customers
    union all
    select
        customer_id,
        0 as in_customers,
        1 as in_sessions,
        0 as in_orders
    from sessions
    union all
    select
        customer_id,
        0 as in_customers,
        0 as in_sessions,
        1 as in_orders
    from orders
),

final as (
    select
        customer_id,
        max(in_customers) = 1 as is_known_customer,
        max(in_sessions) = 1 as has_sessions,
        max(in_orders) = 1 as has_orders
    from sightings_unioned
    group by customer_id
)

select * from final
