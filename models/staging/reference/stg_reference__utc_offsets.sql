{#- Intervals of constant UTC offset of each country's main time zone (enrich, zoneinfo). -#}
with

source as (
    select * from {{ reference_source('utc_offsets', {
        'country_code': 'text', 'time_zone': 'text', 'valid_from_at': 'text',
        'valid_until_at': 'text', 'utc_offset_minutes': 'integer',
    }) }} as utc_offsets
),

renamed as (
    select
        -- ids
        cast(country_code as {{ dbt.type_string() }}) as country_code,

        -- strings
        cast(time_zone as {{ dbt.type_string() }}) as time_zone,

        -- numerics
        cast(utc_offset_minutes as {{ dbt.type_int() }}) as utc_offset_minutes,

        -- timestamps
        cast(valid_from_at as {{ dbt.type_timestamp() }}) as valid_from_at,
        cast(valid_until_at as {{ dbt.type_timestamp() }}) as valid_until_at
    from source
)

select * from renamed
