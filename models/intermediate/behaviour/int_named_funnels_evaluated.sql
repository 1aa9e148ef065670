{#-
    Every named funnel (macro named_funnels: `default`, then the variable
    customer_behaviour__funnels) evaluated per unit, at two levels: one row
    per funnel and session (funnel_level 'session'), and per funnel and
    customer with a first session (funnel_level 'customer'), with the
    furthest step reached (0 when not even step 1) and when each step was
    reached (step_1_at .. step_10_at; doc block named_funnels). A customer's
    events are those of all their sessions from the start of their first
    session up to customer_behaviour__conversion_window_days days later, as
    in fct_funnel_customers, in one sequence by (event_at, event_id).

    is_open: the unit's window has not closed at the end of the data
    (int_funnel_data_end_resolved), by the rules of fct_funnel and
    fct_funnel_customers (doc block funnel_in_progress): a session whose
    last event (its start when it has none) is less than
    customer_behaviour__session_timeout_minutes before it, a customer whose
    conversion window ends after it. The same for every funnel of the unit;
    whether it is in progress also depends on the funnel (fct_named_funnels).

    A plain table, rebuilt each run from int_sessions_measured (the sessions
    of fct_sessions) and int_events_sequenced.
-#}
{{ config(pre_hook="{{ without_nested_loops() }}") }}
{%- set funnels = named_funnels() -%}
{%- set window_days = var('customer_behaviour__conversion_window_days') -%}
{#- Ten reach-time columns whatever the funnels: the most steps a funnel may have. #}
{%- set max_steps = 10 -%}
with

sessions as (
    select * from {{ ref('int_sessions_measured') }}
),

sequenced_events as (
    select * from {{ ref('int_events_sequenced') }}
),

data_end as (
    select * from {{ ref('int_funnel_data_end_resolved') }}
),

products as (
    select * from {{ ref('stg_shop__products') }}
    where is_accepted
),

events_described as (
    select
        sequenced_events.session_id,
        sequenced_events.event_id,
        sequenced_events.event_at,
        sequenced_events.event_sequence,
        sequenced_events.event_type,
        sequenced_events.page,
        products.category as product_category
    from sequenced_events
    left join products
        on sequenced_events.product_id = products.product_id
),

session_events as (
    select
        session_id as unit_id,
        event_at,
        event_sequence,
        event_type,
        page,
        product_category
    from events_described
),

first_sessions as (
    select
        customer_id,
        session_id,
        session_start_at as first_session_start_at,
        {{ dbt.dateadd('day', window_days, 'session_start_at') }} as conversion_window_ends_at
    from sessions
    where customer_id is not null
        and session_number = 1
),

customer_sessions as (
    -- Each customer's sessions with the customer's window, before any event
    -- is joined. The fence (evaluate_once) keeps this join order on
    -- PostgreSQL: it estimated first_sessions at a few thousand rows and
    -- joined every event to every first session on the time range alone, a
    -- nested loop that did not finish at 1M sessions even with nested loops
    -- discouraged.
    select
        sessions.session_id,
        first_sessions.customer_id,
        first_sessions.first_session_start_at,
        first_sessions.conversion_window_ends_at
    from sessions
    inner join first_sessions
        on sessions.customer_id = first_sessions.customer_id
    {{ evaluate_once() }}
),

customer_events as (
    select
        customer_sessions.customer_id as unit_id,
        events_described.event_at,
        row_number() over (
            partition by customer_sessions.customer_id
            order by events_described.event_at, {{ collate_binary('events_described.event_id') }}
        ) as event_sequence,
        events_described.event_type,
        events_described.page,
        events_described.product_category
    from events_described
    inner join customer_sessions
        on events_described.session_id = customer_sessions.session_id
    where
        events_described.event_at >= customer_sessions.first_session_start_at
        and events_described.event_at <= customer_sessions.conversion_window_ends_at
),

units as (
    select
        'session' as funnel_level,
        sessions.session_id as unit_id,
        sessions.session_id as segment_session_id,
        {{ session_is_open('sessions', 'data_end') }} as is_open
    from sessions
    cross join data_end
    union all
    select
        'customer' as funnel_level,
        first_sessions.customer_id as unit_id,
        first_sessions.session_id as segment_session_id,
        coalesce(first_sessions.conversion_window_ends_at > data_end.data_ends_at, false)
            as is_open
    from first_sessions
    cross join data_end
),

{%- for funnel in funnels %}
    {%- set outer = loop %}
    {%- for level in ['session', 'customer'] %}

        {{ named_funnel_ctes(level ~ '_events', funnel, level ~ '_funnel_' ~ outer.index) }},
    {%- endfor %}
{%- endfor %}

funnels_unioned as (
    {%- for funnel in funnels %}
        {%- set outer = loop %}
        {%- for level in ['session', 'customer'] %}
            {%- set evaluated = level ~ '_funnel_' ~ outer.index ~ '_evaluated' %}
            select
                cast('{{ funnel.name }}' as {{ dbt.type_string() }}) as funnel_name,
                cast(units.funnel_level as {{ dbt.type_string() }}) as funnel_level,
                units.unit_id,
                units.segment_session_id,
                {%- for number in range(1, max_steps + 1) %}
                    {%- if number <= funnel.steps | length %}
                        {{ evaluated }}.step_{{ number }}_at,
                    {%- else %}
                        cast(null as {{ dbt.type_timestamp() }}) as step_{{ number }}_at,
                    {%- endif %}
                {%- endfor %}
                cast(coalesce({{ evaluated }}.funnel_step_reached, 0) as {{ dbt.type_int() }})
                    as funnel_step_reached,
                units.is_open
            from units
            left join {{ evaluated }}
                on units.unit_id = {{ evaluated }}.unit_id
            where units.funnel_level = '{{ level }}'
            {%- if not (outer.last and loop.last) %}
                union all
            {%- endif %}
        {%- endfor %}
    {%- endfor %}
)

select * from funnels_unioned
