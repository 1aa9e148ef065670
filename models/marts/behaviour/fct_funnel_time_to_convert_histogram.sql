{#-
    Time to convert as a histogram a chart can draw: per breakdown (as in
    fct_funnel_time_to_convert) and funnel step after the first, the
    sessions that reached the step per bucket of seconds from step 1 (edges
    from customer_behaviour__time_to_convert_bucket_seconds). Every bucket
    has a row, empty ones with 0, so each step's buckets add up to its
    converted_sessions in fct_funnel_time_to_convert.
-#}
with

sessions as (
    select * from {{ ref('fct_sessions') }}
),

session_funnels as (
    select * from {{ ref('int_sessions_funnel_evaluated') }}
),

funnel_steps as (
    {{ funnel_step_rows() }}
),

buckets as (
    {{ time_to_convert_bucket_rows() }}
),

session_segments as (
    {{ segments_unpivoted('sessions', ['session_id']) }}
),

segments as (
    select distinct
        segment_type,
        segment_value
    from session_segments
),

session_conversions as (
    {{ funnel_session_conversions() }}
),

conversions_bucketed as (
    select
        session_conversions.session_id,
        session_conversions.step_number,
        buckets.bucket_number
    from session_conversions
    inner join buckets
        on session_conversions.seconds_to_convert >= buckets.lower_seconds
            and (
                buckets.upper_seconds is null
                or session_conversions.seconds_to_convert < buckets.upper_seconds
            )
),

conversions_counted as (
    select
        session_segments.segment_type,
        session_segments.segment_value,
        conversions_bucketed.step_number,
        conversions_bucketed.bucket_number,
        count(*) as n_sessions
    from conversions_bucketed
    inner join session_segments
        on conversions_bucketed.session_id = session_segments.session_id
    group by
        session_segments.segment_type,
        session_segments.segment_value,
        conversions_bucketed.step_number,
        conversions_bucketed.bucket_number
),

cells as (
    select
        segments.segment_type,
        segments.segment_value,
        funnel_steps.step_number,
        funnel_steps.step_name,
        buckets.bucket_number,
        buckets.lower_seconds,
        buckets.upper_seconds,
        buckets.bucket_label,
        cast(coalesce(conversions_counted.n_sessions, 0) as {{ dbt.type_bigint() }})
            as converted_sessions
    from segments
    cross join funnel_steps
    cross join buckets
    left join conversions_counted
        on segments.segment_type = conversions_counted.segment_type
            and segments.segment_value = conversions_counted.segment_value
            and funnel_steps.step_number = conversions_counted.step_number
            and buckets.bucket_number = conversions_counted.bucket_number
    where funnel_steps.step_number > 1
),

cells_totalled as (
    select
        *,
        sum(converted_sessions) over (
            partition by segment_type, segment_value, step_number
        ) as step_converted_sessions
    from cells
),

final as (
    select
        segment_type,
        segment_value,
        step_number,
        step_name,
        bucket_number,
        lower_seconds,
        upper_seconds,
        bucket_label,
        converted_sessions,
        cast(step_converted_sessions as {{ dbt.type_bigint() }}) as step_converted_sessions,
        case
            when step_converted_sessions > 0
                then cast(converted_sessions as {{ dbt.type_float() }}) / step_converted_sessions
        end as share_of_step_conversions
    from cells_totalled
)

select * from final
