{#-
    How long conversion takes: per breakdown (as in fct_funnel) and funnel
    step after the first, the 25th percentile, median, 75th and 90th
    percentiles and mean of the whole
    seconds from the moment the session reached step 1 (its first event of
    the first step's type) to the moment it reached the step (see int_sessions_funnel_evaluated). Percentiles are
    continuous (linear interpolation between ranks).
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

conversions_summarised as (
    select
        session_segments.segment_type,
        session_segments.segment_value,
        session_conversions.step_number,
        count(*) as converted_sessions,
        {{ percentile_continuous('session_conversions.seconds_to_convert', 0.25) }}
            as p25_seconds_to_convert,
        {{ percentile_continuous('session_conversions.seconds_to_convert', 0.5) }}
            as median_seconds_to_convert,
        {{ percentile_continuous('session_conversions.seconds_to_convert', 0.75) }}
            as p75_seconds_to_convert,
        {{ percentile_continuous('session_conversions.seconds_to_convert', 0.9) }}
            as p90_seconds_to_convert,
        avg(cast(session_conversions.seconds_to_convert as {{ dbt.type_float() }}))
            as mean_seconds_to_convert
    from session_conversions
    inner join session_segments
        on session_conversions.session_id = session_segments.session_id
    group by
        session_segments.segment_type,
        session_segments.segment_value,
        session_conversions.step_number
),

final as (
    select
        segments.segment_type,
        segments.segment_value,
        funnel_steps.step_number,
        funnel_steps.step_name,
        cast(coalesce(conversions_summarised.converted_sessions, 0) as {{ dbt.type_bigint() }})
            as converted_sessions,
        conversions_summarised.p25_seconds_to_convert,
        conversions_summarised.median_seconds_to_convert,
        conversions_summarised.p75_seconds_to_convert,
        conversions_summarised.p90_seconds_to_convert,
        conversions_summarised.mean_seconds_to_convert
    from segments
    cross join funnel_steps
    left join conversions_summarised
        on segments.segment_type = conversions_summarised.segment_type
            and segments.segment_value = conversions_summarised.segment_value
            and funnel_steps.step_number = conversions_summarised.step_number
    where funnel_steps.step_number > 1
)

select * from final
