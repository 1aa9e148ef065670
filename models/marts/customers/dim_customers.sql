{#-
    One row per customer: every accepted customers.csv row plus every
    customer_id seen in accepted sessions or orders but missing from that
    file. Session figures come from fct_sessions (the customer's sessions);
    order figures from the completed orders attributed to the customer,
    including orders placed outside a web session.
-#}
with

customer_ids as (
    select * from {{ ref('int_customer_ids_unioned') }}
),

customers as (
    select * from {{ ref('stg_shop__customers') }}
    where is_accepted
),

sessions as (
    select * from {{ ref('fct_sessions') }}
    where customer_id is not null
),

customer_orders as (
    select * from {{ ref('int_customer_orders_sequenced') }}
),

sessions_aggregated as (
    select
        customer_id,
        min(session_start_at) as first_session_at,
        max(session_start_at) as last_session_at,
        cast(count(*) as {{ dbt.type_bigint() }}) as n_sessions,
        cast(
            sum(case when did_purchase then 1 else 0 end) as {{ dbt.type_bigint() }}
        ) as n_purchase_sessions
    from sessions
    group by customer_id
),

devices_counted as (
    select
        customer_id,
        device,
        count(*) as n_device_sessions
    from sessions
    group by customer_id, device
),

devices_ranked as (
    select
        customer_id,
        device,
        row_number() over (
            partition by customer_id
            order by n_device_sessions desc, {{ collate_binary('device') }}
        ) as device_rank
    from devices_counted
),

preferred_devices as (
    select
        customer_id,
        device as preferred_device
    from devices_ranked
    where device_rank = 1
),

orders_aggregated as (
    select
        customer_id,
        cast(count(*) as {{ dbt.type_bigint() }}) as n_orders,
        cast(sum(amount_usd) as {{ dbt.type_numeric() }}) as total_revenue_usd,
        min(ordered_at) as first_order_at,
        max(ordered_at) as last_order_at,
        cast(count(distinct order_date) as {{ dbt.type_bigint() }}) as distinct_order_days,
        max(case when customer_order_number = 1 then session_id end) as first_order_session_id
    from customer_orders
    group by customer_id
),

sessions_before_first_order as (
    {#- The session the first order was placed in does not count as "before". #}
    select
        sessions.customer_id,
        cast(count(*) as {{ dbt.type_bigint() }}) as n_sessions_before
    from sessions
    inner join orders_aggregated
        on sessions.customer_id = orders_aggregated.customer_id
    where sessions.session_start_at < orders_aggregated.first_order_at
        and (
            orders_aggregated.first_order_session_id is null
            or sessions.session_id <> orders_aggregated.first_order_session_id
        )
    group by sessions.customer_id
),

customers_joined as (
    select
        customer_ids.customer_id,
        customer_ids.is_known_customer,
        customers.country,
        customers.signup_at,
        sessions_aggregated.first_session_at,
        sessions_aggregated.last_session_at,
        coalesce(sessions_aggregated.n_sessions, 0) as n_sessions,
        coalesce(sessions_aggregated.n_purchase_sessions, 0) as n_purchase_sessions,
        coalesce(orders_aggregated.n_orders, 0) as n_orders,
        coalesce(
            orders_aggregated.total_revenue_usd, cast(0 as {{ dbt.type_numeric() }})
        ) as total_revenue_usd,
        orders_aggregated.first_order_at,
        orders_aggregated.last_order_at,
        coalesce(orders_aggregated.distinct_order_days, 0) as distinct_order_days,
        case
            when orders_aggregated.customer_id is not null
                then coalesce(sessions_before_first_order.n_sessions_before, 0)
        end as sessions_before_first_purchase,
        preferred_devices.preferred_device,
        customers.email_hash
    from customer_ids
    left join customers
        on customer_ids.customer_id = customers.customer_id
    left join sessions_aggregated
        on customer_ids.customer_id = sessions_aggregated.customer_id
    left join preferred_devices
        on customer_ids.customer_id = preferred_devices.customer_id
    left join orders_aggregated
        on customer_ids.customer_id = orders_aggregated.customer_id
    left join sessions_before_first_order
        on customer_ids.customer_id = sessions_before_first_order.customer_id
),

final as (
    select
        customer_id,
        is_known_customer,
        country,
        signup_at,
        first_session_at,
        last_session_at,
        n_sessions,
        n_purchase_sessions,
        n_orders,
        total_revenue_usd,
        case
            when n_orders > 0
                then cast(total_revenue_usd / n_orders as {{ dbt.type_numeric() }})
        end as avg_order_value_usd,
        first_order_at,
        last_order_at,
        distinct_order_days,
        n_orders > 0 as is_buyer,
        n_orders >= 2 as is_repeat_buyer,
        sessions_before_first_purchase,
        cast(
            {{ dbt.datediff(
                'cast(first_session_at as date)', 'cast(first_order_at as date)', 'day'
            ) }} as {{ dbt.type_bigint() }}
        ) as days_from_first_session_to_first_order,
        preferred_device,
        email_hash
    from customers_joined
)

select * from final
