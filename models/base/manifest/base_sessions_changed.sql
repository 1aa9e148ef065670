{#-
    The session keys an incremental run recomputes: those whose input
    fingerprint differs from the one recorded by the last complete run
    (int_session_inputs_processed, looked up rather than ref'd because it
    is written at the end of the run, after everything that reads this
    list), plus the sessions whose results depend on a changed session:
      - sessions sharing an event_id or order_id with one (duplicate rules),
      - every session of a customer who has one (session_number).
    On the first run, or when the record is missing, every session is listed.
-#}
{{ config(materialized='table') }}
{%- set processed = none -%}
{%- if execute -%}
    {%- set record = graph.nodes.values()
        | selectattr('name', 'equalto', 'int_session_inputs_processed') | first -%}
    {%- set processed = adapter.get_relation(
        database=record.database, schema=record.schema, identifier=record.alias
    ) -%}
{%- endif %}
with

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

changed_event_ids as (
    select distinct raw_events.event_id
    from raw_events
    inner join fingerprint_changed
        on raw_events.session_key = fingerprint_changed.session_key
    where raw_events.event_id is not null
),

changed_order_ids as (
    select distinct raw_orders.order_id
    from raw_orders
    inner join fingerprint_changed
        on raw_orders.session_key = fingerprint_changed.session_key
    where raw_orders.order_id is not null
),

linked_sessions as (
    select session_key from fingerprint_changed

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

final as (
    select session_key from linked_sessions

    union

    select raw_sessions.session_key
    from raw_sessions
    inner join changed_customers
        on raw_sessions.customer_id = changed_customers.customer_id
)

select * from final
