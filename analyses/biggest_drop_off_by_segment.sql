{#-
    Paste the compiled SQL (target/compiled/customer_behaviour/analyses/) into DBeaver.
-#}
-- Where does each segment lose the most sessions in the funnel, compared with everyone?
--
-- One row per segment (device, country, traffic source, and overall): the funnel step
-- where the segment's drop-off rate exceeds the overall drop-off of that step the most,
-- and how many sessions that excess costs (sessions entering the step x the gap). The
-- segment's own biggest drop-off (by rate) is listed next to it. Sorted by excess
-- sessions lost: the first row is the segment and step to fix first.
-- Reads marts.fct_funnel (one row per segment and step, sessions reaching each step,
-- and drop_off_from_previous, the share lost since the previous step).
with

funnel as (
    select * from {{ ref('fct_funnel') }}
),

steps_with_previous as (
    select
        segment_type,
        segment_value,
        step_number,
        step_name,
        sessions,
        drop_off_from_previous,
        lag(step_name) over (
            partition by segment_type, segment_value order by step_number
        ) as previous_step_name,
        lag(sessions) over (
            partition by segment_type, segment_value order by step_number
        ) as previous_step_sessions
    from funnel
),

drop_offs as (
    {#- drop_off_from_previous is NULL at step 1 and after a step nobody reached. #}
    select
        segment_type,
        segment_value,
        step_number,
        previous_step_name || ' > ' || step_name as funnel_transition,
        previous_step_sessions,
        sessions,
        previous_step_sessions - sessions as sessions_lost,
        drop_off_from_previous as drop_off_rate
    from steps_with_previous
    where drop_off_from_previous is not null
),

overall_drop_offs as (
    select
        step_number,
        drop_off_rate as overall_drop_off_rate
    from drop_offs
    where segment_type = 'overall'
),

drop_offs_compared as (
    select
        drop_offs.segment_type,
        drop_offs.segment_value,
        drop_offs.step_number,
        drop_offs.funnel_transition,
        drop_offs.previous_step_sessions,
        drop_offs.sessions_lost,
        drop_offs.drop_off_rate,
        overall_drop_offs.overall_drop_off_rate,
        drop_offs.drop_off_rate - overall_drop_offs.overall_drop_off_rate as drop_off_gap,
        drop_offs.previous_step_sessions * (
            drop_offs.drop_off_rate - overall_drop_offs.overall_drop_off_rate
        ) as excess_sessions_lost
    from drop_offs
    inner join overall_drop_offs
        on drop_offs.step_number = overall_drop_offs.step_number
),

drop_offs_ranked as (
    select
        *,
        row_number() over (
            partition by segment_type, segment_value
            order by drop_off_rate desc, step_number asc
        ) as rank_by_drop_off_rate,
        row_number() over (
            partition by segment_type, segment_value
            order by excess_sessions_lost desc, step_number asc
        ) as rank_by_excess_sessions_lost
    from drop_offs_compared
),

biggest_drop_off as (
    select
        segment_type,
        segment_value,
        funnel_transition as biggest_drop_off_transition,
        drop_off_rate as biggest_drop_off_rate
    from drop_offs_ranked
    where rank_by_drop_off_rate = 1
),

worst_versus_overall as (
    select
        segment_type,
        segment_value,
        funnel_transition,
        previous_step_sessions,
        sessions_lost,
        drop_off_rate,
        overall_drop_off_rate,
        drop_off_gap,
        excess_sessions_lost
    from drop_offs_ranked
    where rank_by_excess_sessions_lost = 1
),

final as (
    select
        worst_versus_overall.segment_type,
        worst_versus_overall.segment_value,
        worst_versus_overall.funnel_transition,
        worst_versus_overall.previous_step_sessions,
        worst_versus_overall.sessions_lost,
        worst_versus_overall.drop_off_rate,
        worst_versus_overall.overall_drop_off_rate,
        worst_versus_overall.drop_off_gap,
        worst_versus_overall.excess_sessions_lost,
        biggest_drop_off.biggest_drop_off_transition,
        biggest_drop_off.biggest_drop_off_rate
    from worst_versus_overall
    inner join biggest_drop_off
        on worst_versus_overall.segment_type = biggest_drop_off.segment_type
            and worst_versus_overall.segment_value = biggest_drop_off.segment_value
)

select * from final
order by excess_sessions_lost desc, segment_type asc, segment_value asc
