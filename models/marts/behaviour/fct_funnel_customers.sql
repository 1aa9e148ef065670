{#-
    The ordered funnel per customer in the same long format as fct_funnel: a
    customer reaches a step when the events of any of their sessions do, in
    order and by event time, within the conversion window (from the start of
    their first session up to customer_behaviour__conversion_window_days days
    later, both ends included). Breakdowns use the customer's first session.
    Anonymous sessions are not counted.

    A customer whose window has not closed at the end of the data
    (int_funnel_data_end_resolved) and who has not completed the funnel is
    in progress at their next step, not a drop-off; the closed_ columns count
    the customers whose window has closed.
-#}
{%- set steps = funnel_steps() -%}
{%- set segments = var('customer_behaviour__funnel_segments') -%}
{%- set window_days = var('customer_behaviour__conversion_window_days') -%}
with

sessions as (
    select * from {{ ref('fct_sessions') }}
    where customer_id is not null
),

sequenced_events as (
    select * from {{ ref('int_events_sequenced') }}
),

data_end as (
    select * from {{ ref('int_funnel_data_end_resolved') }}
),

funnel_steps as (
    {{ funnel_step_rows() }}
),

first_sessions as (
    select
        customer_id,
        {% for segment in segments %}
            {{ segment }},
        {% endfor %}
        session_start_at as first_session_start_at,
        {{ dbt.dateadd('day', window_days, 'session_start_at') }} as conversion_window_ends_at
    from sessions
    where session_number = 1
),

customer_window_events as (
    select
        sessions.customer_id,
        sequenced_events.event_type,
        sequenced_events.event_at
    from sequenced_events
    inner join sessions
        on sequenced_events.session_id = sessions.session_id
    inner join first_sessions
        on sessions.customer_id = first_sessions.customer_id
    where
        sequenced_events.event_at >= first_sessions.first_session_start_at
        and sequenced_events.event_at <= first_sessions.conversion_window_ends_at
),

{{ ordered_funnel_ctes(
    'customer_window_events',
    steps,
    partition_column='customer_id',
    name='customer_steps_reached'
) }},

customers_evaluated as (
    select
        first_sessions.customer_id,
        {% for segment in segments %}
            first_sessions.{{ segment }},
        {% endfor %}
        coalesce(customer_steps_reached.funnel_step_reached, 0) as funnel_step_reached,
        coalesce(first_sessions.conversion_window_ends_at > data_end.data_ends_at, false)
            as is_open
    from first_sessions
    cross join data_end
    left join customer_steps_reached
        on first_sessions.customer_id = customer_steps_reached.customer_id
),

customer_segments as (
    {{ segments_unpivoted(
        'customers_evaluated', ['customer_id', 'funnel_step_reached', 'is_open']
    ) }}
),

customers_by_step_reached as (
    select
        segment_type,
        segment_value,
        funnel_step_reached,
        is_open,
        count(*) as n_customers
    from customer_segments
    group by segment_type, segment_value, funnel_step_reached, is_open
),

closed_customers_by_step_reached as (
    select * from customers_by_step_reached
    where not is_open
),

segments as (
    select
        segment_type,
        segment_value,
        sum(n_customers) as segment_customers,
        sum(case when is_open then 0 else n_customers end) as segment_closed_customers
    from customers_by_step_reached
    group by segment_type, segment_value
    union all
    {#- The overall funnel exists even when there are no customers. #}
    select
        'overall' as segment_type,
        'all' as segment_value,
        0 as segment_customers,
        0 as segment_closed_customers
    where not exists (select 1 from customers_evaluated)
),

steps_counted as (
    {{ funnel_steps_counted(
        'segments', 'customers_by_step_reached', ['segment_type', 'segment_value'],
        total_column='segment_customers', reached_count_column='n_customers',
        count_column='customers'
    ) }}
),

closed_steps_counted as (
    {{ funnel_steps_counted(
        'segments', 'closed_customers_by_step_reached', ['segment_type', 'segment_value'],
        total_column='segment_closed_customers', reached_count_column='n_customers',
        count_column='closed_customers'
    ) }}
),

steps_joined as (
    {{ funnel_in_progress_joined(
        'steps_counted', 'closed_steps_counted', 'customers_by_step_reached',
        ['segment_type', 'segment_value'], 'customers', steps | length
    ) }}
),

final as (
    select
        segment_type,
        segment_value,
        step_number,
        step_name,
        segment_customers,
        customers,
        {{ funnel_step_rates('customers', ['segment_type', 'segment_value']) }},
        in_progress_customers,
        segment_closed_customers,
        closed_customers,
        {{ funnel_step_rates('closed_customers', ['segment_type', 'segment_value'], 'closed_') }}
    from steps_joined
)

select * from final
