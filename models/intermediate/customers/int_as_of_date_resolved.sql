{#-
    The as-of date of the customer marts (one row; no row when the data has
    neither events nor orders): the variable customer_behaviour__as_of_date
    when set, else the UTC date of the latest accepted event or order.
-#}
{%- set as_of_date = as_of_date_variable() -%}
{%- set as_of_date_expression = 'cast(latest_activity_at as date)' if as_of_date is none
    else "cast('" ~ as_of_date ~ "' as date)" %}

with

events as (
    select event_at from {{ ref('int_events_validated') }}
    where is_accepted
),

orders as (
    select ordered_at from {{ ref('int_orders_validated') }}
    where is_accepted
),

activity_unioned as (
    select event_at as activity_at from events
    union all
    select ordered_at as activity_at from orders
),

latest_activity as (
    select max(activity_at) as latest_activity_at
    from activity_unioned
),

resolved as (
    select
        {{ as_of_date_expression }} as as_of_date,
        latest_activity_at,
        {{ 'false' if as_of_date is none else 'true' }} as is_from_variable
    from latest_activity
),

final as (
    select * from resolved
    where as_of_date is not null
)

select * from final
