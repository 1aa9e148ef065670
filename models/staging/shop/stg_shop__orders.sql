{#-
    One row per raw order row, cleaned and typed, with its rejection_reason
    (NULL = accepted). An empty session_id is an order placed outside a web
    session; whether a given session_id exists is checked in
    int_orders_validated.
-#}
with

source as (
    select * from {{ shop_source('orders') }}
),

cleaned as (
    select
        {{ raw_record([
            'order_id', 'session_id', 'customer_id',
            'ordered_at', 'order_total_usd', 'status',
        ]) }}
            as raw_record,

        -- ids
        {{ clean_text('order_id') }} as order_id,
        {{ clean_text('session_id') }} as session_id,
        {{ clean_text('customer_id') }} as customer_id,

        -- categories
        lower({{ clean_text('status') }}) as status,

        -- numerics and timestamps, still text
        {{ clean_text('order_total_usd') }} as order_total_usd_text,
        {{ clean_text('ordered_at') }} as ordered_at_text

    from source
    {{ evaluate_once() }}
),

typed as (
    select
        *,
        {{ parse_decimal('order_total_usd_text') }} as order_total_usd,
        {{ parse_iso_timestamp('ordered_at_text') }} as ordered_at
    from cleaned
    {{ evaluate_once() }}
),

row_checked as (
    select
        *,
        case
            when order_id is null then 'missing_order_id'
            when ordered_at_text is null then 'missing_ordered_at'
            when ordered_at is null then 'invalid_ordered_at'
            when order_total_usd_text is not null and order_total_usd is null
                then 'invalid_order_total_usd'
            when order_total_usd < 0 then 'negative_order_total_usd'
            when status is null or status not in ('completed', 'cancelled') then 'invalid_status'
        end as row_issue
    from typed
),

{{ quarantine_duplicates(
    'row_checked',
    ['order_id', 'session_id', 'customer_id', 'ordered_at', 'order_total_usd', 'status'],
    key_column='order_id',
    earliest_column='ordered_at'
) }},

final as (
    select
        staged_row_id,
        order_id,
        session_id,
        customer_id,
        ordered_at,
        order_total_usd,
        status,
        status = 'completed' as is_completed,
        rejection_reason,
        rejection_reason is null as is_accepted,
        coalesce(order_id, '(missing)') as record_key,
        raw_record
    from deduplicated
)

select * from final
