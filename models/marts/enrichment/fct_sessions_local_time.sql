{#-
    One row per session of fct_sessions, in the local time of its country's
    main time zone, with the day's weekday, whether it is a public holiday
    there, and the country's name and continent (the reference tables that
    `customer-behaviour enrich` writes). A session whose country has no
    reference data keeps NULL local columns.
-#}
with

sessions as (
    select * from {{ ref('fct_sessions') }}
),

countries as (
    select * from {{ ref('stg_reference__countries') }}
),

utc_offsets as (
    select * from {{ ref('stg_reference__utc_offsets') }}
),

calendar_days as (
    select * from {{ ref('stg_reference__calendar_days') }}
),

public_holidays as (
    select * from {{ ref('stg_reference__public_holidays') }}
),

sessions_localised as (
    select
        sessions.session_id,
        sessions.country,
        sessions.session_start_at,
        sessions.did_purchase,
        utc_offsets.time_zone,
        utc_offsets.utc_offset_minutes,
        {{ dbt.dateadd(
            'minute', 'utc_offsets.utc_offset_minutes', 'sessions.session_start_at'
        ) }} as local_start_at
    from sessions
    left join utc_offsets
        on
            sessions.country = utc_offsets.country_code
            and sessions.session_start_at >= utc_offsets.valid_from_at
            and sessions.session_start_at < utc_offsets.valid_until_at
),

sessions_dated as (
    select
        *,
        cast(local_start_at as date) as local_date,
        cast(extract(hour from local_start_at) as {{ dbt.type_int() }})
            as local_hour
    from sessions_localised
),

final as (
    select
        sessions_dated.session_id,
        sessions_dated.country,
        countries.country_name,
        countries.alpha3_code,
        coalesce(countries.continent_code, 'unknown') as continent_code,
        coalesce(countries.continent_name, 'unknown') as continent_name,
        sessions_dated.time_zone,
        sessions_dated.utc_offset_minutes,
        sessions_dated.session_start_at,
        sessions_dated.local_start_at,
        sessions_dated.local_date,
        sessions_dated.local_hour,
        calendar_days.iso_weekday as local_iso_weekday,
        calendar_days.weekday_name as local_weekday_name,
        case
            when countries.has_holiday_calendar and sessions_dated.local_date is not null
                then public_holidays.holiday_date is not null
        end as is_public_holiday,
        public_holidays.holiday_name,
        sessions_dated.local_start_at is not null as has_local_time,
        sessions_dated.did_purchase
    from sessions_dated
    left join countries
        on sessions_dated.country = countries.country_code
    left join calendar_days
        on sessions_dated.local_date = calendar_days.calendar_date
    left join public_holidays
        on
            sessions_dated.country = public_holidays.country_code
            and sessions_dated.local_date = public_holidays.holiday_date
)

select * from final
