{#- Every day the sessions can fall on in local time (enrich). -#}
with

source as (
    select * from {{ reference_source('calendar_days', {
        'calendar_date': 'text', 'iso_weekday': 'integer', 'weekday_name': 'text',
    }) }} as calendar_days
),

renamed as (
    select
        -- strings
        cast(weekday_name as {{ dbt.type_string() }}) as weekday_name,

        -- numerics
        cast(iso_weekday as {{ dbt.type_int() }}) as iso_weekday,

        -- dates
        cast(calendar_date as date) as calendar_date
    from source
)

select * from renamed
