-- The hand-written anchor of the benchmark on PostgreSQL (python/bench/anchor_sql.py runs it,
-- in one session, with the server's settings as they are): the core marts as a competent
-- analyst would write them for this engine. No quarantine, no validation, no incremental
-- bookkeeping: it assumes clean input (the benchmark's generated data has no defects) and the
-- default funnel and path settings. Each `copy <table> from stdin` is fed the file
-- <table>.csv of the data folder by the runner (client-side COPY, timed with the rest).
-- Results go to the schema `anchor`; python/bench/anchor_check.py compares them with the
-- marts. Text is ordered in byte order (collate "C"), as the marts order it.

create schema if not exists anchor;
drop table if exists anchor.sessions, anchor.funnel, anchor.paths, anchor.customers;

-- the raw files, typed on read (temporary tables are not written to the WAL)
create temp table events (
    event_id text, session_id text, event_at timestamp,
    event_type text, page text, product_id text
);
copy events from stdin with (format csv, header true);

create temp table sessions (
    session_id text, customer_id text, session_start_at timestamp,
    device text, traffic_source text, country text
);
copy sessions from stdin with (format csv, header true);

create temp table orders (
    order_id text, session_id text, customer_id text,
    ordered_at timestamp, order_total_usd numeric(18, 2), status text
);
copy orders from stdin with (format csv, header true);

create temp table order_items (
    order_id text, product_id text, quantity bigint, unit_price_usd numeric(18, 2)
);
copy order_items from stdin with (format csv, header true);

create temp table customers (
    customer_id text, signup_at timestamp, country text, email text
);
copy customers from stdin with (format csv, header true);

-- planner statistics for the freshly loaded tables
analyze events;
analyze sessions;
analyze orders;
analyze order_items;
analyze customers;

-- completed orders with their amounts (sum of quantity x unit price of the lines)
create temp table completed_orders as
select
    orders.order_id,
    orders.session_id,
    orders.customer_id,
    orders.ordered_at,
    coalesce(lines.items_purchased, 0) as items_purchased,
    coalesce(lines.amount_usd, 0) as amount_usd
from orders
left join (
    select order_id, sum(quantity) as items_purchased, sum(quantity * unit_price_usd) as amount_usd
    from order_items
    group by order_id
) as lines on orders.order_id = lines.order_id
where orders.status = 'completed';
analyze completed_orders;

-- sessions: the gold table with the ordered funnel
create unlogged table anchor.sessions as
with
event_counts as (
    select
        session_id,
        min(event_at) as first_event_at,
        max(event_at) as last_event_at,
        count(*) as event_count,
        count(*) filter (where event_type = 'page_view') as page_view_count,
        count(*) filter (where event_type = 'add_to_cart') as add_to_cart_count,
        count(*) filter (where event_type = 'checkout') as checkout_count,
        count(*) filter (where event_type = 'purchase') as purchase_count
    from events
    group by session_id
),
step_1 as (
    select session_id, min(event_at) as reached_at
    from events where event_type = 'page_view'
    group by session_id
),
step_2 as (
    select events.session_id, min(events.event_at) as reached_at
    from events inner join step_1 on events.session_id = step_1.session_id
    where events.event_type = 'add_to_cart' and events.event_at >= step_1.reached_at
    group by events.session_id
),
step_3 as (
    select events.session_id, min(events.event_at) as reached_at
    from events inner join step_2 on events.session_id = step_2.session_id
    where events.event_type = 'checkout' and events.event_at >= step_2.reached_at
    group by events.session_id
),
step_4 as (
    select events.session_id, min(events.event_at) as reached_at
    from events inner join step_3 on events.session_id = step_3.session_id
    where events.event_type = 'purchase' and events.event_at >= step_3.reached_at
    group by events.session_id
),
session_orders as (
    select
        session_id,
        count(*) as n_orders,
        sum(items_purchased) as items_purchased,
        sum(amount_usd) as amount_usd
    from completed_orders
    where session_id is not null
    group by session_id
),
joined as (
    select
        sessions.session_id,
        sessions.customer_id,
        coalesce(sessions.device, 'unknown') as device,
        coalesce(lower(sessions.traffic_source), 'unknown') as traffic_source,
        coalesce(sessions.country, 'unknown') as country,
        least(sessions.session_start_at, event_counts.first_event_at) as session_start_at,
        event_counts.first_event_at,
        event_counts.last_event_at,
        coalesce(event_counts.event_count, 0) as event_count,
        coalesce(event_counts.page_view_count, 0) as page_view_count,
        coalesce(event_counts.add_to_cart_count, 0) as add_to_cart_count,
        coalesce(event_counts.checkout_count, 0) as checkout_count,
        coalesce(event_counts.purchase_count, 0) as purchase_count,
        case
            when step_4.session_id is not null then 4
            when step_3.session_id is not null then 3
            when step_2.session_id is not null then 2
            when step_1.session_id is not null then 1
            else 0
        end as funnel_step_reached,
        coalesce(session_orders.n_orders, 0) as n_orders,
        coalesce(session_orders.n_orders, 0) > 0 as did_purchase,
        coalesce(session_orders.items_purchased, 0) as items_purchased,
        coalesce(session_orders.amount_usd, 0) as amount_usd
    from sessions
    left join event_counts on sessions.session_id = event_counts.session_id
    left join step_1 on sessions.session_id = step_1.session_id
    left join step_2 on sessions.session_id = step_2.session_id
    left join step_3 on sessions.session_id = step_3.session_id
    left join step_4 on sessions.session_id = step_4.session_id
    left join session_orders on sessions.session_id = session_orders.session_id
)
select
    *,
    case when customer_id is not null then row_number() over (
        partition by customer_id order by session_start_at, session_id collate "C"
    ) end as session_number
from joined;
analyze anchor.sessions;

-- funnels by segment: sessions reaching each ordered step, overall and per segment value
create unlogged table anchor.funnel as
with
segments as (
    select 'overall' as segment_type, 'all' as segment_value, funnel_step_reached
    from anchor.sessions
    union all
    select 'device', device, funnel_step_reached from anchor.sessions
    union all
    select 'country', country, funnel_step_reached from anchor.sessions
    union all
    select 'traffic_source', traffic_source, funnel_step_reached from anchor.sessions
),
steps (step_number, step_name) as (
    values (1, 'page_view'), (2, 'add_to_cart'), (3, 'checkout'), (4, 'purchase')
)
select
    segments.segment_type,
    segments.segment_value,
    steps.step_number,
    steps.step_name,
    count(*) as segment_sessions,
    count(*) filter (where segments.funnel_step_reached >= steps.step_number) as sessions
from segments
cross join steps
group by
    segments.segment_type, segments.segment_value, steps.step_number, steps.step_name;

-- paths: labels in event order, consecutive repeats collapsed, the first 10 steps
create unlogged table anchor.paths as
with
labelled as (
    select
        session_id,
        event_at,
        event_id,
        case
            when event_type = 'page_view' and page is not null then page
            else event_type
        end as label
    from events
),
changes as (
    select
        session_id,
        event_at,
        event_id,
        label,
        label is distinct from lag(label) over (
            partition by session_id order by event_at, event_id collate "C"
        ) as is_new_step
    from labelled
),
steps as (
    select
        session_id,
        label,
        row_number() over (partition by session_id order by event_at, event_id collate "C") as step_position
    from changes
    where is_new_step
),
session_paths as (
    select
        session_id,
        string_agg(label, ' > ' order by step_position) filter (where step_position <= 10) as shown,
        count(*) as step_count
    from steps
    group by session_id
),
labelled_paths as (
    select
        case
            when session_paths.step_count > 10 then session_paths.shown || ' > ...'
            else session_paths.shown
        end as path,
        least(session_paths.step_count, 10) as path_length,
        session_paths.step_count > 10 as is_truncated,
        anchor.sessions.did_purchase
    from session_paths
    inner join anchor.sessions on session_paths.session_id = anchor.sessions.session_id
),
counted as (
    select
        path,
        max(path_length) as path_length,
        bool_or(is_truncated) as is_truncated,
        count(*) as sessions,
        count(*) filter (where did_purchase) as purchase_sessions
    from labelled_paths
    group by path
)
select
    *,
    row_number() over (order by sessions desc, path collate "C") as path_rank
from counted;

-- customers: every customer_id the data names, with sessions, orders and preferred device
create unlogged table anchor.customers as
with
customer_ids as (
    select customer_id from customers
    union
    select customer_id from sessions where customer_id is not null
    union
    select customer_id from orders where customer_id is not null
),
session_figures as (
    select
        customer_id,
        min(session_start_at) as first_session_at,
        max(session_start_at) as last_session_at,
        count(*) as n_sessions,
        count(*) filter (where did_purchase) as n_purchase_sessions
    from anchor.sessions
    where customer_id is not null
    group by customer_id
),
devices as (
    select customer_id, device, count(*) as n_device_sessions
    from anchor.sessions
    where customer_id is not null
    group by customer_id, device
),
preferred_devices as (
    select customer_id, device as preferred_device
    from (
        select
            customer_id,
            device,
            row_number() over (
                partition by customer_id order by n_device_sessions desc, device collate "C"
            ) as device_rank
        from devices
    ) as ranked
    where device_rank = 1
),
order_figures as (
    select
        coalesce(completed_orders.customer_id, sessions.customer_id) as customer_id,
        count(*) as n_orders,
        sum(completed_orders.amount_usd) as total_revenue_usd,
        min(completed_orders.ordered_at) as first_order_at,
        max(completed_orders.ordered_at) as last_order_at,
        count(distinct cast(completed_orders.ordered_at as date)) as distinct_order_days
    from completed_orders
    left join sessions on completed_orders.session_id = sessions.session_id
    where coalesce(completed_orders.customer_id, sessions.customer_id) is not null
    group by coalesce(completed_orders.customer_id, sessions.customer_id)
)
select
    customer_ids.customer_id,
    customers.customer_id is not null as is_known_customer,
    customers.country,
    customers.signup_at,
    session_figures.first_session_at,
    session_figures.last_session_at,
    coalesce(session_figures.n_sessions, 0) as n_sessions,
    coalesce(session_figures.n_purchase_sessions, 0) as n_purchase_sessions,
    coalesce(order_figures.n_orders, 0) as n_orders,
    coalesce(order_figures.total_revenue_usd, 0) as total_revenue_usd,
    order_figures.first_order_at,
    order_figures.last_order_at,
    coalesce(order_figures.distinct_order_days, 0) as distinct_order_days,
    preferred_devices.preferred_device
from customer_ids
left join customers on customer_ids.customer_id = customers.customer_id
left join session_figures on customer_ids.customer_id = session_figures.customer_id
left join preferred_devices on customer_ids.customer_id = preferred_devices.customer_id
left join order_figures on customer_ids.customer_id = order_figures.customer_id;
