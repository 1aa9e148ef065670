{#-
    Session conversion by local weekday and hour (the session's start in its
    country's main time zone), over the sessions with a local time. One row
    per weekday and hour that has sessions.
-#}
with

sessions as (
    select * from {{ ref('fct_sessions_local_time') }}
    where has_local_time
),

counted as (
    select
        local_iso_weekday,
        local_weekday_name,
        local_hour,
        count(*) as n_sessions,
        sum(case when did_purchase then 1 else 0 end) as n_purchase_sessions
    from sessions
    group by local_iso_weekday, local_weekday_name, local_hour
),

final as (
    select
        *,
        cast(n_purchase_sessions as {{ dbt.type_float() }}) / n_sessions as conversion_rate
    from counted
)

select * from final
