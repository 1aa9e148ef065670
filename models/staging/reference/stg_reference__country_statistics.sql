{#- The user's own statistics per country, year and metric (enrich --statistics). -#}
with

source as (
    select * from {{ reference_source('country_statistics', {
        'country_code': 'text', 'year': 'integer', 'metric': 'text',
        'value': 'float', 'source': 'text',
    }) }} as country_statistics
),

renamed as (
    select
        -- ids
        cast(country_code as {{ dbt.type_string() }}) as country_code,
        cast(metric as {{ dbt.type_string() }}) as metric,

        -- strings
        cast(source as {{ dbt.type_string() }}) as statistic_source,

        -- numerics
        cast(year as {{ dbt.type_int() }}) as statistic_year,
        cast(value as {{ dbt.type_float() }}) as statistic_value
    from source
)

select * from renamed
