{#-
    The `default` funnel of fct_named_funnels is the funnel of fct_funnel
    (session level) and of fct_funnel_customers (customer level): the same
    rows, units per segment, units per step and rates, and the same split of
    open windows: units in progress, closed units per segment and per step and
    the rates over closed windows. Returns one row per breakdown and step
    where they differ or where one side has no row.
-#}
with

named_funnels as (
    select * from {{ ref('fct_named_funnels') }}
    where funnel_name = 'default'
),

session_funnel as (
    select * from {{ ref('fct_funnel') }}
),

customer_funnel as (
    select * from {{ ref('fct_funnel_customers') }}
),

expected as (
    select
        'session' as funnel_level,
        segment_type,
        segment_value,
        step_number,
        step_name,
        segment_sessions as segment_units,
        sessions as reaching_units,
        conversion_from_previous,
        conversion_from_start,
        in_progress_sessions as in_progress_units,
        segment_closed_sessions as segment_closed_units,
        closed_sessions as closed_units,
        closed_conversion_from_previous,
        closed_conversion_from_start
    from session_funnel
    union all
    select
        'customer' as funnel_level,
        segment_type,
        segment_value,
        step_number,
        step_name,
        segment_customers as segment_units,
        customers as reaching_units,
        conversion_from_previous,
        conversion_from_start,
        in_progress_customers as in_progress_units,
        segment_closed_customers as segment_closed_units,
        closed_customers as closed_units,
        closed_conversion_from_previous,
        closed_conversion_from_start
    from customer_funnel
),

compared as (
    select
        coalesce(expected.funnel_level, named_funnels.funnel_level) as funnel_level,
        coalesce(expected.segment_type, named_funnels.segment_type) as segment_type,
        coalesce(expected.segment_value, named_funnels.segment_value) as segment_value,
        coalesce(expected.step_number, named_funnels.step_number) as step_number,
        expected.step_name as expected_step_name,
        named_funnels.step_name,
        expected.segment_units as expected_segment_units,
        named_funnels.segment_units,
        expected.reaching_units as expected_reaching_units,
        named_funnels.reaching_units,
        expected.in_progress_units as expected_in_progress_units,
        named_funnels.in_progress_units,
        expected.segment_closed_units as expected_segment_closed_units,
        named_funnels.segment_closed_units,
        expected.closed_units as expected_closed_units,
        named_funnels.closed_units,
        abs(
            coalesce(expected.conversion_from_previous, -1)
            - coalesce(named_funnels.conversion_from_previous, -1)
        ) as previous_rate_gap,
        abs(
            coalesce(expected.conversion_from_start, -1)
            - coalesce(named_funnels.conversion_from_start, -1)
        ) as start_rate_gap,
        abs(
            coalesce(expected.closed_conversion_from_previous, -1)
            - coalesce(named_funnels.closed_conversion_from_previous, -1)
        ) as closed_previous_rate_gap,
        abs(
            coalesce(expected.closed_conversion_from_start, -1)
            - coalesce(named_funnels.closed_conversion_from_start, -1)
        ) as closed_start_rate_gap
    from expected
    full outer join named_funnels
        on expected.funnel_level = named_funnels.funnel_level
            and expected.segment_type = named_funnels.segment_type
            and expected.segment_value = named_funnels.segment_value
            and expected.step_number = named_funnels.step_number
)

select *
from compared
where expected_step_name is null
    or step_name is null
    or expected_step_name <> step_name
    or expected_segment_units <> segment_units
    or expected_reaching_units <> reaching_units
    or expected_in_progress_units <> in_progress_units
    or expected_segment_closed_units <> segment_closed_units
    or expected_closed_units <> closed_units
    or previous_rate_gap > 1e-9
    or start_rate_gap > 1e-9
    or closed_previous_rate_gap > 1e-9
    or closed_start_rate_gap > 1e-9
