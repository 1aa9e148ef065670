{#-
    The session keys an incremental run recomputes, plus the sessions whose
    results depend on one of them:
      - sessions sharing an event_id or order_id with one (duplicate rules),
      - every session of a customer who has one (session_number).
    is_input_changed is false for the sessions listed only for the second
    reason: their own rows are unchanged, so only int_sessions_measured,
    which numbers a customer's sessions, recomputes them
    (in_changed_sessions' customer_sessions).

    Which sessions changed:
      - loaded data (macro load_batches_in_use): the sessions of the raw rows
        of the batches the last complete run did not process (base_load_batches;
        an order line belongs to the sessions its order id is recorded with).
        Only those batches' rows are read to find them; a re-sent row is a new
        row of a new batch, so its sessions are recomputed and the duplicate
        rules see it;
      - seeds: those whose input fingerprint differs from the one recorded by
        the last complete run (int_session_inputs_processed, looked up rather
        than ref'd because it is written at the end of the run, after
        everything that reads this list).
    On the first run, or when the record is missing, every session is listed.
-#}
{{ config(materialized='table') }}
-- depends_on: {{ ref('base_load_batches') }}
{%- set batched = load_batches_in_use() -%}
{#- Rows of the batches the last complete run did not process; none for seeds. -#}
{%- set in_new_batches = '(1 = 0)' -%}
{%- if batched -%}
    {%- set in_new_batches = '(_load_id in (select load_id from '
        ~ ref('base_load_batches') ~ ' where is_new))' -%}
{%- endif -%}
{%- set processed = none -%}
{%- if execute and not batched -%}
    {%- set record = graph.nodes.values()
        | selectattr('name', 'equalto', 'int_session_inputs_processed') | first -%}
    {%- set processed = adapter.get_relation(
        database=record.database, schema=record.schema, identifier=record.alias
    ) -%}
{%- endif %}
with

new_events as (
    select {{ session_key(clean_text('session_id')) }} as session_key
    from {{ shop_source('events') }}
    where {{ in_new_batches }}
),

new_sessions as (
    select {{ session_key(clean_text('session_id')) }} as session_key
    from {{ shop_source('sessions') }}
    where {{ in_new_batches }}
),

new_orders as (
    select {{ session_key(clean_text('session_id')) }} as session_key
    from {{ shop_source('orders') }}
    where {{ in_new_batches }}
),

new_order_ids as (
    select distinct {{ clean_text('order_id') }} as order_id
    from {{ shop_source('order_items') }}
    where {{ in_new_batches }}
),

order_sessions as (
    {#- An order line belongs to the sessions its order id is recorded with. #}
    select distinct
        {{ clean_text('order_id') }} as order_id,
        {{ session_key(clean_text('session_id')) }} as session_key
    from {{ shop_source('orders') }}
    where {{ clean_text('order_id') }} in (select new_order_ids.order_id from new_order_ids)
),

new_order_item_sessions as (
    select {{ session_key('order_sessions.session_key') }} as session_key
    from new_order_ids
    left join order_sessions
        on new_order_ids.order_id = order_sessions.order_id
),

current_fingerprints as (
    select * from {{ ref('base_session_fingerprints') }}
),

processed_fingerprints as (
    {#- Without a record, nothing counts as processed: every session is listed. #}
    select
        session_key,
        input_fingerprint
    from {{ processed if processed is not none else ref('base_session_fingerprints') }}
    where {{ 'true' if processed is not none else 'false' }}
),

fingerprint_changed as (
    select
        coalesce(current_fingerprints.session_key, processed_fingerprints.session_key)
            as session_key
    from current_fingerprints
    full outer join processed_fingerprints
        on current_fingerprints.session_key = processed_fingerprints.session_key
    where current_fingerprints.input_fingerprint is null
        or processed_fingerprints.input_fingerprint is null
        or current_fingerprints.input_fingerprint <> processed_fingerprints.input_fingerprint
),

changed_inputs as (
    {#- One of the two ways is empty: batches for loaded data, fingerprints for seeds. #}
    select session_key from new_events
    union
    select session_key from new_sessions
    union
    select session_key from new_orders
    union
    select session_key from new_order_item_sessions
    union
    select session_key from fingerprint_changed
),

raw_events as (
    select
        {{ session_key(clean_text('session_id')) }} as session_key,
        {{ clean_text('event_id') }} as event_id
    from {{ shop_source('events') }}
),

raw_orders as (
    select
        {{ session_key(clean_text('session_id')) }} as session_key,
        {{ clean_text('order_id') }} as order_id
    from {{ shop_source('orders') }}
),

raw_sessions as (
    select
        {{ session_key(clean_text('session_id')) }} as session_key,
        {{ clean_text('customer_id') }} as customer_id
    from {{ shop_source('sessions') }}
),

changed_event_ids as (
    select distinct raw_events.event_id
    from raw_events
    inner join changed_inputs
        on raw_events.session_key = changed_inputs.session_key
    where raw_events.event_id is not null
),

changed_order_ids as (
    select distinct raw_orders.order_id
    from raw_orders
    inner join changed_inputs
        on raw_orders.session_key = changed_inputs.session_key
    where raw_orders.order_id is not null
),

linked_sessions as (
    select session_key from changed_inputs

    union

    select raw_events.session_key
    from raw_events
    inner join changed_event_ids
        on raw_events.event_id = changed_event_ids.event_id

    union

    select raw_orders.session_key
    from raw_orders
    inner join changed_order_ids
        on raw_orders.order_id = changed_order_ids.order_id
),

changed_customers as (
    select distinct raw_sessions.customer_id
    from raw_sessions
    inner join linked_sessions
        on raw_sessions.session_key = linked_sessions.session_key
    where raw_sessions.customer_id is not null
),

customer_sessions as (
    select distinct raw_sessions.session_key
    from raw_sessions
    inner join changed_customers
        on raw_sessions.customer_id = changed_customers.customer_id
),

final as (
    select
        session_key,
        true as is_input_changed
    from linked_sessions

    union all

    select
        customer_sessions.session_key,
        false as is_input_changed
    from customer_sessions
    left join linked_sessions
        on customer_sessions.session_key = linked_sessions.session_key
    where linked_sessions.session_key is null
)

select * from final
