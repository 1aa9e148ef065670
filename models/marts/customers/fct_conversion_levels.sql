{#-
    Session-level versus customer-level conversion over the same sessions,
    overall, per session country and per preferred device of the customer.
    The rules, and why the country is the session's: doc block
    conversion_levels.
-#}
with

sessions as (
    select * from {{ ref('fct_sessions') }}
),

customers as (
    select * from {{ ref('dim_customers') }}
),

sessions_described as (
    select
        sessions.session_id,
        sessions.customer_id,
        sessions.did_purchase,
        sessions.country,
        customers.preferred_device
    from sessions
    left join customers
        on sessions.customer_id = customers.customer_id
),

sessions_segmented as (
    {#- The funnel marts' breakdown rule: an overall row, then one per value
        ('unknown' when NULL, as for anonymous sessions' preferred_device). #}
    {{ segments_unpivoted(
        'sessions_described',
        ['session_id', 'customer_id', 'did_purchase'],
        segment_columns=['country', 'preferred_device']
    ) }}
),

session_level as (
    select
        segment_type,
        segment_value,
        cast(count(*) as {{ dbt.type_bigint() }}) as n_sessions,
        cast(
            sum(case when did_purchase then 1 else 0 end) as {{ dbt.type_bigint() }}
        ) as n_purchase_sessions,
        cast(
            sum(case when customer_id is null then 1 else 0 end) as {{ dbt.type_bigint() }}
        ) as n_anonymous_sessions,
        cast(
            sum(case when customer_id is not null and did_purchase then 1 else 0 end)
            as {{ dbt.type_bigint() }}
        ) as n_identified_purchase_sessions
    from sessions_segmented
    group by segment_type, segment_value
),

customers_in_segment as (
    select
        segment_type,
        segment_value,
        customer_id,
        count(*) as n_sessions,
        max(case when did_purchase then 1 else 0 end) as has_purchase_session
    from sessions_segmented
    where customer_id is not null
    group by segment_type, segment_value, customer_id
),

customer_level as (
    select
        segment_type,
        segment_value,
        cast(count(*) as {{ dbt.type_bigint() }}) as n_customers,
        cast(sum(has_purchase_session) as {{ dbt.type_bigint() }}) as n_converted_customers,
        cast(sum(n_sessions) as {{ dbt.type_bigint() }}) as n_identified_sessions
    from customers_in_segment
    group by segment_type, segment_value
),

levels_joined as (
    select
        session_level.segment_type,
        session_level.segment_value,
        session_level.n_sessions,
        session_level.n_purchase_sessions,
        session_level.n_anonymous_sessions,
        coalesce(customer_level.n_identified_sessions, 0) as n_identified_sessions,
        session_level.n_identified_purchase_sessions,
        coalesce(customer_level.n_customers, 0) as n_customers,
        coalesce(customer_level.n_converted_customers, 0) as n_converted_customers
    from session_level
    left join customer_level
        on session_level.segment_type = customer_level.segment_type
            and session_level.segment_value = customer_level.segment_value
),

rates_computed as (
    select
        *,
        cast(n_purchase_sessions as {{ dbt.type_float() }})
        / n_sessions as session_conversion_rate,
        case
            when n_identified_sessions > 0
                then cast(n_identified_purchase_sessions as {{ dbt.type_float() }})
                    / n_identified_sessions
        end as identified_session_conversion_rate,
        case
            when n_customers > 0
                then cast(n_converted_customers as {{ dbt.type_float() }}) / n_customers
        end as customer_conversion_rate,
        cast(n_anonymous_sessions as {{ dbt.type_float() }})
        / n_sessions as anonymous_session_share,
        case
            when n_customers > 0
                then cast(n_identified_sessions as {{ dbt.type_float() }}) / n_customers
        end as avg_sessions_per_customer
    from levels_joined
),

final as (
    select
        segment_type,
        segment_value,
        n_sessions,
        n_purchase_sessions,
        session_conversion_rate,
        n_anonymous_sessions,
        anonymous_session_share,
        n_identified_sessions,
        n_identified_purchase_sessions,
        identified_session_conversion_rate,
        n_customers,
        n_converted_customers,
        customer_conversion_rate,
        case
            when session_conversion_rate > 0
                then customer_conversion_rate / session_conversion_rate
        end as customer_to_session_conversion_ratio,
        avg_sessions_per_customer
    from rates_computed
)

select * from final
