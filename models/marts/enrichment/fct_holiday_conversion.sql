{#-
    Per country with a holiday calendar: conversion of sessions that start on
    a local public holiday against those on ordinary days, the difference
    and its 95% interval ({{ doc("holiday_difference_interval") }}), and how
    many holiday sessions and dates are behind it.
-#}
with

sessions as (
    select * from {{ ref('fct_sessions_local_time') }}
    where is_public_holiday is not null
),

counted as (
    select
        country,
        country_name,
        sum(case when is_public_holiday then 1 else 0 end) as n_holiday_sessions,
        sum(case when is_public_holiday and did_purchase then 1 else 0 end)
            as n_holiday_purchase_sessions,
        sum(case when not is_public_holiday then 1 else 0 end) as n_ordinary_sessions,
        sum(case when not is_public_holiday and did_purchase then 1 else 0 end)
            as n_ordinary_purchase_sessions,
        count(distinct case when is_public_holiday then local_date end) as n_holiday_dates
    from sessions
    group by country, country_name
),

rates as (
    select
        *,
        case
            when n_holiday_sessions > 0
                then n_holiday_purchase_sessions
                    / cast(n_holiday_sessions as {{ dbt.type_float() }})
        end as holiday_conversion_rate,
        case
            when n_ordinary_sessions > 0
                then n_ordinary_purchase_sessions
                    / cast(n_ordinary_sessions as {{ dbt.type_float() }})
        end as ordinary_conversion_rate
    from counted
),

adjusted as (
    {#- Agresti-Caffo: one success and one failure added to each group (as floats: Spark's
    decimal division would round to six digits). #}
    select
        *,
        cast(n_holiday_purchase_sessions + 1 as {{ dbt.type_float() }})
        / (n_holiday_sessions + 2) as adjusted_holiday_rate,
        cast(n_ordinary_purchase_sessions + 1 as {{ dbt.type_float() }})
        / (n_ordinary_sessions + 2) as adjusted_ordinary_rate
    from rates
),

differences as (
    select
        *,
        holiday_conversion_rate - ordinary_conversion_rate as conversion_difference,
        adjusted_holiday_rate - adjusted_ordinary_rate as adjusted_difference,
        cast(1.959963984540054 as {{ dbt.type_float() }}) * sqrt(
            adjusted_holiday_rate * (1 - adjusted_holiday_rate) / (n_holiday_sessions + 2)
            + adjusted_ordinary_rate * (1 - adjusted_ordinary_rate) / (n_ordinary_sessions + 2)
        ) as difference_margin
    from adjusted
),

final as (
    select
        country,
        country_name,
        n_holiday_dates,
        n_holiday_sessions,
        n_holiday_purchase_sessions,
        holiday_conversion_rate,
        n_ordinary_sessions,
        n_ordinary_purchase_sessions,
        ordinary_conversion_rate,
        conversion_difference,
        case
            when n_holiday_sessions > 0 and n_ordinary_sessions > 0
                then adjusted_difference - difference_margin
        end as difference_ci_low,
        case
            when n_holiday_sessions > 0 and n_ordinary_sessions > 0
                then adjusted_difference + difference_margin
        end as difference_ci_high
    from differences
)

select * from final
