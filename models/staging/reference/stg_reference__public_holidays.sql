{#- One row per country and public holiday date (enrich, holidays package). -#}
with

source as (
    select * from {{ reference_source('public_holidays', {
        'country_code': 'text', 'holiday_date': 'text', 'holiday_name': 'text',
    }) }} as public_holidays
),

renamed as (
    select
        -- ids
        cast(country_code as {{ dbt.type_string() }}) as country_code,

        -- strings
        cast(holiday_name as {{ dbt.type_string() }}) as holiday_name,

        -- dates
        cast(holiday_date as date) as holiday_date
    from source
)

select * from renamed
