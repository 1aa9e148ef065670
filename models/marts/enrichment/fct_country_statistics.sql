{#-
    The user's own statistics (enrich --statistics) joined by country and
    year to the sessions of that country that start in that year (UTC): one
    row per statistic, with the sessions and conversion behind it (0 sessions
    when the data has none for that country and year).
-#}
with

statistics as (
    select * from {{ ref('stg_reference__country_statistics') }}
),

sessions as (
    select * from {{ ref('fct_sessions') }}
),

sessions_per_year as (
    select
        country,
        cast(extract(year from session_start_at) as {{ dbt.type_int() }})
            as session_year,
        count(*) as n_sessions,
        sum(case when did_purchase then 1 else 0 end) as n_purchase_sessions
    from sessions
    group by 1, 2
),

final as (
    select
        statistics.country_code as country,
        statistics.statistic_year,
        statistics.metric,
        statistics.statistic_value,
        statistics.statistic_source,
        coalesce(sessions_per_year.n_sessions, 0) as n_sessions,
        coalesce(sessions_per_year.n_purchase_sessions, 0) as n_purchase_sessions,
        case
            when sessions_per_year.n_sessions > 0
                then cast(sessions_per_year.n_purchase_sessions as {{ dbt.type_float() }})
                    / sessions_per_year.n_sessions
        end as conversion_rate
    from statistics
    left join sessions_per_year
        on
            statistics.country_code = sessions_per_year.country
            and statistics.statistic_year = sessions_per_year.session_year
)

select * from final
