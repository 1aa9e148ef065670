{#-
    Where the data ends, for the funnel marts' open windows (one row): the
    end of the day customer_behaviour__as_of_date when it is set (the as-of
    date counts whole, as in RFM), else the latest accepted event. A
    customer's conversion window or a session still open at that moment is
    in progress. NULL when there are no events and no as-of date (then
    nothing is in progress).
-#}
{%- set as_of_date = as_of_date_variable() -%}
{%- set data_end_expression = dbt.dateadd(
    'day', 1, "cast('" ~ as_of_date ~ "' as " ~ dbt.type_timestamp() ~ ")"
) if as_of_date is not none else 'latest_event_at' -%}
with

sequenced_events as (
    select * from {{ ref('int_events_sequenced') }}
),

latest_event as (
    select max(event_at) as latest_event_at
    from sequenced_events
),

final as (
    select
        {{ data_end_expression }} as data_ends_at,
        latest_event_at,
        {{ 'false' if as_of_date is none else 'true' }} as is_from_variable
    from latest_event
)

select * from final
