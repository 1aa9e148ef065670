{#-
    RFM for every buyer (a customer with a completed order on or before the
    as-of date): recency, frequency and monetary value, their quintile scores
    and a segment label. Rules: doc blocks rfm_scores and rfm_segment.
-#}
with

as_of as (
    select * from {{ ref('int_as_of_date_resolved') }}
),

customer_orders as (
    select * from {{ ref('int_customer_orders_sequenced') }}
),

orders_until_as_of as (
    select
        customer_orders.customer_id,
        customer_orders.ordered_at,
        customer_orders.order_date,
        customer_orders.amount_usd,
        as_of.as_of_date
    from customer_orders
    inner join as_of
        on customer_orders.order_date <= as_of.as_of_date
),

customers_measured as (
    select
        customer_id,
        max(as_of_date) as as_of_date,
        max(ordered_at) as last_order_at,
        max(order_date) as last_order_date,
        cast(count(*) as {{ dbt.type_bigint() }}) as frequency,
        cast(sum(amount_usd) as {{ dbt.type_numeric() }}) as monetary_usd
    from orders_until_as_of
    group by customer_id
),

recency_computed as (
    select
        customer_id,
        as_of_date,
        last_order_at,
        cast(
            {{ dbt.datediff('last_order_date', 'as_of_date', 'day') }}
            as {{ dbt.type_bigint() }}
        ) as recency_days,
        frequency,
        monetary_usd
    from customers_measured
),

quintiles_assigned as (
    {#- ntile needs a strict order: customer_id (byte order) breaks ties here ... #}
    select
        *,
        ntile(5) over (
            order by recency_days desc, {{ collate_binary('customer_id') }}
        ) as r_quintile,
        ntile(5) over (
            order by frequency, {{ collate_binary('customer_id') }}
        ) as f_quintile,
        ntile(5) over (
            order by monetary_usd, {{ collate_binary('customer_id') }}
        ) as m_quintile
    from recency_computed
),

scored as (
    {#- ... and equal values then share the lowest quintile among them (doc rfm_scores). #}
    select
        *,
        cast(
            min(r_quintile) over (partition by recency_days) as {{ dbt.type_int() }}
        ) as r_score,
        cast(min(f_quintile) over (partition by frequency) as {{ dbt.type_int() }}) as f_score,
        cast(
            min(m_quintile) over (partition by monetary_usd) as {{ dbt.type_int() }}
        ) as m_score
    from quintiles_assigned
),

segmented as (
    select
        *,
        case
            when r_score >= 4 and f_score >= 4 and m_score >= 4 then 'champions'
            when r_score >= 3 and f_score >= 3 then 'loyal'
            when r_score >= 4 then 'new'
            when r_score = 3 then 'promising'
            when f_score >= 3 then 'at_risk'
            else 'hibernating'
        end as rfm_segment
    from scored
),

final as (
    select
        customer_id,
        as_of_date,
        last_order_at,
        recency_days,
        frequency,
        monetary_usd,
        r_score,
        f_score,
        m_score,
        {{ dbt.concat([
            dbt.cast('r_score', dbt.type_string()),
            dbt.cast('f_score', dbt.type_string()),
            dbt.cast('m_score', dbt.type_string()),
        ]) }} as rfm_code,
        rfm_segment
    from segmented
)

select * from final
