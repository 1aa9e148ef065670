{#- One row per country of the sessions with reference data (enrich). -#}
with

source as (
    select * from {{ reference_source('countries', {
        'country_code': 'text', 'country_name': 'text', 'alpha3_code': 'text',
        'continent_code': 'text', 'continent_name': 'text', 'time_zone': 'text',
        'n_time_zones': 'integer', 'has_holiday_calendar': 'boolean',
    }) }} as countries
),

renamed as (
    select
        -- ids
        cast(country_code as {{ dbt.type_string() }}) as country_code,

        -- strings
        cast(country_name as {{ dbt.type_string() }}) as country_name,
        cast(alpha3_code as {{ dbt.type_string() }}) as alpha3_code,
        cast(continent_code as {{ dbt.type_string() }}) as continent_code,
        cast(continent_name as {{ dbt.type_string() }}) as continent_name,
        cast(time_zone as {{ dbt.type_string() }}) as time_zone,

        -- numerics
        cast(n_time_zones as {{ dbt.type_int() }}) as n_time_zones,

        -- booleans
        cast(has_holiday_calendar as {{ dbt.type_boolean() }}) as has_holiday_calendar
    from source
)

select * from renamed
