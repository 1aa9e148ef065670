{#-
    One row per session key in the raw input: a fingerprint of every raw row
    that belongs to the session (its events, its session rows, its orders and
    their order lines). When a new day is appended, or a late event arrives,
    the fingerprint of exactly the touched sessions changes; see
    base_sessions_changed. Rows without a session id share the key ''.

    This is a full pass over raw: a hash per raw row and a grouping by
    session, no parsing. It runs only where the change list cannot read load
    batches (seeds; macro load_batches_in_use); with batches the table is
    left empty and base_sessions_changed reads the new batches' rows instead.
-#}
{{ config(materialized='table') }}
{%- set fingerprinting = not load_batches_in_use() %}
with

raw_events as (
    select * from {{ shop_source('events') }}
),

raw_sessions as (
    select * from {{ shop_source('sessions') }}
),

raw_orders as (
    select * from {{ shop_source('orders') }}
),

raw_order_items as (
    select * from {{ shop_source('order_items') }}
),

order_sessions as (
    {#- An order line belongs to the sessions its order id is recorded with. #}
    select distinct
        {{ clean_text('order_id') }} as order_id,
        {{ session_key(clean_text('session_id')) }} as session_key
    from raw_orders
),

row_hashes as (
    select
        {{ session_key(clean_text('session_id')) }} as session_key,
        {{ raw_row_hash(
            'e',
            ['event_id', 'session_id', 'event_at', 'event_type', 'page', 'product_id']
        ) }} as row_hash
    from raw_events

    union all

    select
        {{ session_key(clean_text('session_id')) }} as session_key,
        {{ raw_row_hash(
            's',
            ['session_id', 'customer_id', 'session_start_at', 'device', 'traffic_source', 'country']
        ) }} as row_hash
    from raw_sessions

    union all

    select
        {{ session_key(clean_text('session_id')) }} as session_key,
        {{ raw_row_hash(
            'o',
            ['order_id', 'session_id', 'customer_id', 'ordered_at', 'order_total_usd', 'status']
        ) }} as row_hash
    from raw_orders

    union all

    select
        {{ session_key('order_sessions.session_key') }} as session_key,
        {{ raw_row_hash(
            'i',
            [
                'raw_order_items.order_id',
                'raw_order_items.product_id',
                'raw_order_items.quantity',
                'raw_order_items.unit_price_usd'
            ]
        ) }} as row_hash
    from raw_order_items
    left join order_sessions
        on {{ clean_text('raw_order_items.order_id') }} = order_sessions.order_id
),

fingerprinted as (
    select
        session_key,
        {{ dbt.hash(dbt.listagg('row_hash', "','", 'order by row_hash')) }} as input_fingerprint,
        cast(count(*) as {{ dbt.type_bigint() }}) as raw_row_count
    from row_hashes
    {%- if not fingerprinting %}
    where 1 = 0
    {%- endif %}
    group by session_key
)

select * from fingerprinted
