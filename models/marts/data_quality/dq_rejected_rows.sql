{#-
    Quarantine: every raw row that could not be used, with the reason. Rows
    are never dropped silently: for each table, accepted rows plus these rows
    equal the raw rows (see dq_load_summary and its test). record_key is cut
    to customer_behaviour__max_text_length characters so that an oversized
    key still fits the PostgreSQL index on it; raw_record keeps it whole.
-#}
with

staged_customers as (
    select * from {{ ref('stg_shop__customers') }}
),

staged_products as (
    select * from {{ ref('stg_shop__products') }}
),

staged_sessions as (
    select * from {{ ref('stg_shop__sessions') }}
),

validated_events as (
    select * from {{ ref('int_events_validated') }}
),

validated_orders as (
    select * from {{ ref('int_orders_validated') }}
),

validated_order_items as (
    select * from {{ ref('int_order_items_validated') }}
),

{%- set tables = [
    ('customers', 'staged_customers'),
    ('products', 'staged_products'),
    ('sessions', 'staged_sessions'),
    ('events', 'validated_events'),
    ('orders', 'validated_orders'),
    ('order_items', 'validated_order_items'),
] %}

rejected_unioned as (
    {%- for table_name, cte in tables %}
        select
            staged_row_id as rejected_row_id,
            '{{ table_name }}' as source_table,
            substr(record_key, 1, {{ var('customer_behaviour__max_text_length') }}) as record_key,
            rejection_reason as reason,
            raw_record
        from {{ cte }}
        where not is_accepted
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
)

select * from rejected_unioned
