{#-
    Session conversion per continent of the session's country ('unknown' for
    countries without reference data). One row per continent with sessions.
-#}
with

sessions as (
    select * from {{ ref('fct_sessions_local_time') }}
),

counted as (
    select
        continent_code,
        continent_name,
        count(distinct country) as n_countries,
        count(*) as n_sessions,
        sum(case when did_purchase then 1 else 0 end) as n_purchase_sessions
    from sessions
    group by continent_code, continent_name
),

final as (
    select
        *,
        cast(n_purchase_sessions as {{ dbt.type_float() }}) / n_sessions as conversion_rate
    from counted
)

select * from final
