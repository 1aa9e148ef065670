{#-
    Paste the compiled SQL (target/compiled/customer_behaviour/analyses/) into DBeaver.
    Change min_sessions here (or in the pasted SQL) to rank rarer paths too.
-#}
{%- set min_sessions = 10 -%}
-- Which session paths end in a purchase most often?
--
-- Paths taken by at least {{ min_sessions }} sessions, ranked by the lower bound of the
-- 95% Wilson interval of their purchase rate: a path that converts 3 of 3 sessions does
-- not outrank one that converts 300 of 400. Paths include the funnel events
-- ({{ funnel_steps()[1:] | join(', ') }}), so read what comes before them.
-- Reads marts.fct_session_paths (one row per distinct collapsed path).
with

session_paths as (
    select * from {{ ref('fct_session_paths') }}
),

frequent_paths as (
    select
        path,
        path_length,
        is_truncated,
        sessions,
        share_of_sessions,
        purchase_sessions,
        cast(purchase_sessions as {{ dbt.type_float() }}) / sessions as purchase_rate
    from session_paths
    where sessions >= {{ min_sessions }}
),

wilson_terms as (
    {#- Wilson score interval, z = 1.96 (95%): (centre ± margin) / (1 + z²/n). #}
    select
        *,
        purchase_rate + 1.96 * 1.96 / (2 * sessions) as wilson_centre,
        1.96 * sqrt(
            purchase_rate * (1 - purchase_rate) / sessions
            + 1.96 * 1.96 / (4.0 * sessions * sessions)
        ) as wilson_margin,
        1 + 1.96 * 1.96 / sessions as wilson_denominator
    from frequent_paths
),

wilson_bounds as (
    select
        *,
        {#- At 0% and 100% the bounds are 0 and 1 exactly (not a rounding residue). #}
        case
            when purchase_sessions = 0 then 0.0
            else (wilson_centre - wilson_margin) / wilson_denominator
        end as purchase_rate_low_95,
        case
            when purchase_sessions = sessions then 1.0
            else (wilson_centre + wilson_margin) / wilson_denominator
        end as purchase_rate_high_95
    from wilson_terms
),

final as (
    select
        row_number() over (
            order by
                purchase_rate_low_95 desc,
                sessions desc,
                {{ collate_binary('path') }} asc
        ) as converting_rank,
        path,
        path_length,
        is_truncated,
        sessions,
        share_of_sessions,
        purchase_sessions,
        purchase_rate,
        purchase_rate_low_95,
        purchase_rate_high_95
    from wilson_bounds
)

select * from final
where converting_rank <= 25
order by converting_rank
