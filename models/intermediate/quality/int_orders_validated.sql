{#-
    Every staged order row with its final rejection_reason: the staging
    reason, else 'unknown_session' when it names a session that is not an
    accepted session. Orders without a session_id (placed outside a web
    session) are kept.
-#}
with

staged_orders as (
    select * from {{ ref('stg_shop__orders') }}
),

accepted_sessions as (
    select session_id from {{ ref('stg_shop__sessions') }}
    where is_accepted
),

reference_checked as (
    select
        staged_orders.staged_row_id,
        staged_orders.order_id,
        staged_orders.session_id,
        staged_orders.customer_id,
        staged_orders.ordered_at,
        staged_orders.order_total_usd,
        staged_orders.status,
        staged_orders.is_completed,
        case
            when staged_orders.rejection_reason is not null then staged_orders.rejection_reason
            when staged_orders.session_id is not null
                and accepted_sessions.session_id is null then 'unknown_session'
        end as rejection_reason,
        staged_orders.record_key,
        staged_orders.raw_record
    from staged_orders
    left join accepted_sessions
        on staged_orders.session_id = accepted_sessions.session_id
),

final as (
    select
        *,
        rejection_reason is null as is_accepted
    from reference_checked
)

select * from final
