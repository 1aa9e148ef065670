{#-
    One row per accepted session with everything fct_sessions shows except
    purchase_style (which compares each session with medians over all
    sessions, so fct_sessions adds it on every run). Incremental by session
    (macros/incremental/): it alone recomputes every session of a customer
    with a changed session (in_changed_sessions' customer_sessions), so
    session_number is recounted over all of the customer's sessions; the
    upstream session tables recompute only the sessions whose inputs
    changed. The per-step counts and
    flags follow customer_behaviour__funnel_steps (doc block
    funnel_step_columns).
-#}
{{ config(
    materialized=session_materialization(),
    pre_hook="{{ delete_changed_sessions(customer_sessions=true) }}"
) }}
-- depends_on: {{ ref('base_sessions_changed') }}
{%- set stems = funnel_step_stems() %}
with

sessions as (
    select * from {{ ref('stg_shop__sessions') }}
    where is_accepted
        and {{ in_changed_sessions(session_key('session_id'), customer_sessions=true) }}
),

session_events as (
    select * from {{ ref('int_sessions_events_aggregated') }}
    where {{ in_changed_sessions(session_key('session_id'), customer_sessions=true) }}
),

session_funnels as (
    select * from {{ ref('int_sessions_funnel_evaluated') }}
    where {{ in_changed_sessions(session_key('session_id'), customer_sessions=true) }}
),

session_orders as (
    select * from {{ ref('int_sessions_orders_aggregated') }}
    where {{ in_changed_sessions(session_key('session_id'), customer_sessions=true) }}
),

sessions_joined as (
    select
        sessions.session_id,
        sessions.customer_id,
        sessions.device,
        sessions.traffic_source,
        sessions.country,
        case
            when session_events.first_event_at < sessions.session_start_at
                then session_events.first_event_at
            else sessions.session_start_at
        end as session_start_at,
        session_events.first_event_at,
        session_events.last_event_at,
        coalesce(session_events.event_count, 0) as event_count,
        {% for stem in stems %}
            coalesce(session_events.{{ stem }}_count, 0) as {{ stem }}_count,
        {% endfor %}
        coalesce(session_events.other_event_count, 0) as other_event_count,
        session_events.intent_at,
        coalesce(session_events.pre_intent_event_count, 0) as pre_intent_event_count,
        coalesce(session_funnels.funnel_step_reached, 0) as funnel_step_reached,
        coalesce(session_orders.n_orders, 0) as n_orders,
        coalesce(session_orders.items_purchased, 0) as items_purchased,
        coalesce(session_orders.amount_usd, 0) as amount_usd
    from sessions
    left join session_events
        on sessions.session_id = session_events.session_id
    left join session_funnels
        on sessions.session_id = session_funnels.session_id
    left join session_orders
        on sessions.session_id = session_orders.session_id
),

timings_computed as (
    select
        *,
        case
            when first_event_at is not null
                then {{ seconds_between('session_start_at', 'first_event_at') }}
        end as first_event_delay_seconds,
        case
            when last_event_at is not null
                then {{ seconds_between('session_start_at', 'last_event_at') }}
            else 0
        end as session_seconds,
        case
            when intent_at is not null
                then {{ seconds_between('session_start_at', 'intent_at') }}
        end as intent_delay_seconds,
        row_number() over (
            partition by customer_id
            order by session_start_at, {{ collate_binary('session_id') }}
        ) as customer_session_sequence
    from sessions_joined
),

sessions_measured as (
    select
        session_id,
        customer_id,
        device,
        traffic_source,
        country,
        session_start_at,
        first_event_at,
        last_event_at,
        first_event_delay_seconds,
        session_seconds,
        event_count,
        {% for stem in stems %}
            {{ stem }}_count,
        {% endfor %}
        other_event_count,
        {#- Doc block pre_intent: without an intent event, the whole session. #}
        pre_intent_event_count,
        coalesce(intent_delay_seconds, session_seconds) as pre_intent_seconds,
        {% for stem in stems %}
            {{ stem }}_count > 0 as has_{{ stem }},
        {% endfor %}
        funnel_step_reached,
        case
            when session_seconds > 0
                then cast(event_count as {{ dbt.type_float() }}) * 60 / session_seconds
        end as events_per_minute,
        {#- A bounce: a single event, and it is the funnel's first step. #}
        event_count = 1 and {{ stems[0] }}_count = 1 as is_bounce,
        n_orders,
        n_orders > 0 as did_purchase,
        items_purchased,
        amount_usd,
        case
            when items_purchased > 0
                then cast(amount_usd / items_purchased as {{ dbt.type_numeric() }})
        end as avg_item_price_usd,
        case
            when customer_id is not null then customer_session_sequence
        end as session_number
    from timings_computed
)

select * from sessions_measured
