{#-
    Paste the compiled SQL (target/compiled/customer_behaviour/analyses/) into DBeaver.
-#}
-- How different does conversion look per session and per customer?
--
-- Over the same sessions, overall and per session country and device: the share of
-- sessions with a completed order, and the share of identified customers with at least
-- one such session. Customers come back, so customer-level conversion is several times
-- the session-level rate; anonymous sessions count at session level only. Recomputed
-- from marts.fct_sessions (marts.fct_conversion_levels holds the curated version).
with

sessions as (
    select * from {{ ref('fct_sessions') }}
),

sessions_segmented as (
    select
        'overall' as segment_type,
        'all' as segment_value,
        customer_id,
        did_purchase
    from sessions
    union all
    select
        'country' as segment_type,
        country as segment_value,
        customer_id,
        did_purchase
    from sessions
    union all
    select
        'device' as segment_type,
        device as segment_value,
        customer_id,
        did_purchase
    from sessions
),

segment_counts as (
    select
        segment_type,
        segment_value,
        count(*) as n_sessions,
        cast(sum(case when did_purchase then 1 else 0 end) as {{ dbt.type_bigint() }})
            as n_purchase_sessions,
        cast(sum(case when customer_id is null then 1 else 0 end) as {{ dbt.type_bigint() }})
            as n_anonymous_sessions,
        count(distinct customer_id) as n_customers,
        count(distinct case when did_purchase then customer_id end) as n_converted_customers
    from sessions_segmented
    group by segment_type, segment_value
),

final as (
    select
        segment_type,
        segment_value,
        n_sessions,
        n_purchase_sessions,
        cast(n_purchase_sessions as {{ dbt.type_float() }})
        / n_sessions as session_conversion_rate,
        n_anonymous_sessions,
        n_customers,
        n_converted_customers,
        case
            when n_customers > 0
                then cast(n_converted_customers as {{ dbt.type_float() }}) / n_customers
        end as customer_conversion_rate,
        case
            when n_customers > 0 and n_purchase_sessions > 0
                then (cast(n_converted_customers as {{ dbt.type_float() }}) / n_customers)
                    / (cast(n_purchase_sessions as {{ dbt.type_float() }}) / n_sessions)
        end as customer_to_session_ratio
    from segment_counts
)

select * from final
order by segment_type desc, n_sessions desc, segment_value asc
