{#-
    One row per purchase style (cheap_many, expensive_few, mixed, unknown;
    every style appears, with 0 sessions when none has it): how the
    purchasing sessions of each style compare in time, engagement and spend,
    and the two medians that define the styles.
-#}
with

sessions as (
    select * from {{ ref('fct_sessions') }}
    where did_purchase
),

purchase_styles as (
    select
        cast('cheap_many' as {{ dbt.type_string() }}) as purchase_style,
        1 as style_order
    union all
    select
        cast('expensive_few' as {{ dbt.type_string() }}) as purchase_style,
        2 as style_order
    union all
    select
        cast('mixed' as {{ dbt.type_string() }}) as purchase_style,
        3 as style_order
    union all
    select
        cast('unknown' as {{ dbt.type_string() }}) as purchase_style,
        4 as style_order
),

style_medians as (
    {#- The same medians fct_sessions classifies with (doc block purchase_style). #}
    select
        {{ percentile_continuous(
            'cast(items_purchased as ' ~ dbt.type_float() ~ ')', 0.5
        ) }} as median_items_purchased_threshold,
        {{ percentile_continuous(
            'cast(avg_item_price_usd as ' ~ dbt.type_float() ~ ')', 0.5
        ) }} as median_avg_item_price_usd_threshold
    from sessions
    where items_purchased > 0
),

purchasing_sessions_counted as (
    select cast(count(*) as {{ dbt.type_bigint() }}) as n_purchasing_sessions
    from sessions
),

styles_summarised as (
    select
        purchase_style,
        cast(count(*) as {{ dbt.type_bigint() }}) as n_sessions,
        avg(cast(session_seconds as {{ dbt.type_float() }})) as mean_session_seconds,
        {{ percentile_continuous(
            'cast(session_seconds as ' ~ dbt.type_float() ~ ')', 0.5
        ) }} as median_session_seconds,
        avg(cast(event_count as {{ dbt.type_float() }})) as mean_event_count,
        {{ percentile_continuous(
            'cast(event_count as ' ~ dbt.type_float() ~ ')', 0.5
        ) }} as median_event_count,
        avg(cast(items_purchased as {{ dbt.type_float() }})) as mean_items_purchased,
        {{ percentile_continuous(
            'cast(items_purchased as ' ~ dbt.type_float() ~ ')', 0.5
        ) }} as median_items_purchased,
        cast(avg(cast(avg_item_price_usd as {{ dbt.type_float() }})) as {{ dbt.type_numeric() }})
            as mean_avg_item_price_usd,
        cast({{ percentile_continuous(
            'cast(avg_item_price_usd as ' ~ dbt.type_float() ~ ')', 0.5
        ) }} as {{ dbt.type_numeric() }}) as median_avg_item_price_usd,
        cast(avg(cast(amount_usd as {{ dbt.type_float() }})) as {{ dbt.type_numeric() }})
            as mean_amount_usd,
        cast({{ percentile_continuous(
            'cast(amount_usd as ' ~ dbt.type_float() ~ ')', 0.5
        ) }} as {{ dbt.type_numeric() }}) as median_amount_usd,
        cast(sum(amount_usd) as {{ dbt.type_numeric() }}) as total_amount_usd
    from sessions
    group by purchase_style
),

final as (
    select
        purchase_styles.purchase_style,
        purchase_styles.style_order,
        coalesce(styles_summarised.n_sessions, 0) as n_sessions,
        case
            when purchasing_sessions_counted.n_purchasing_sessions > 0
                then cast(coalesce(styles_summarised.n_sessions, 0) as {{ dbt.type_float() }})
                    / purchasing_sessions_counted.n_purchasing_sessions
        end as share_of_purchasing_sessions,
        styles_summarised.mean_session_seconds,
        styles_summarised.median_session_seconds,
        styles_summarised.mean_event_count,
        styles_summarised.median_event_count,
        styles_summarised.mean_items_purchased,
        styles_summarised.median_items_purchased,
        styles_summarised.mean_avg_item_price_usd,
        styles_summarised.median_avg_item_price_usd,
        styles_summarised.mean_amount_usd,
        styles_summarised.median_amount_usd,
        coalesce(
            styles_summarised.total_amount_usd, cast(0 as {{ dbt.type_numeric() }})
        ) as total_amount_usd,
        style_medians.median_items_purchased_threshold,
        style_medians.median_avg_item_price_usd_threshold
    from purchase_styles
    cross join purchasing_sessions_counted
    cross join style_medians
    left join styles_summarised
        on purchase_styles.purchase_style = styles_summarised.purchase_style
)

select * from final
