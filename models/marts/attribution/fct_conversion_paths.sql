{#-
    One row per journey (doc block attribution_journey): a customer's
    conversion, a customer's journey that has not converted (yet), or an
    anonymous session. The path lists the channel group of each touch in
    fct_conversion_touches, in order.
-#}
with

conversion_touches as (
    select * from {{ ref('fct_conversion_touches') }}
),

final as (
    select
        journey_id,
        max(customer_id) as customer_id,
        max(customer_id) is null as is_anonymous,
        {{ dbt.bool_or('is_converted') }} as is_converted,
        max(revenue_usd) as revenue_usd,
        {{ dbt.listagg('channel_group', "' > '", 'order by touch_position') }} as channel_path,
        max(path_length) as path_length,
        cast(count(distinct channel_group) as {{ dbt.type_int() }}) as distinct_channel_count,
        max(case when touch_position = 1 then channel_group end) as first_channel_group,
        max(case when touch_position = path_length then channel_group end)
            as last_channel_group,
        min(touched_at) as first_touch_at,
        max(touched_at) as last_touch_at,
        max(days_before_end) as path_days
    from conversion_touches
    group by journey_id
)

select * from final
