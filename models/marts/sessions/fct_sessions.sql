{#-
    The gold table: one row per accepted session, with its timing, engagement,
    ordered funnel progress and purchase outcome. Column definitions are in
    _sessions__models.yml. The per-session columns come from
    int_sessions_measured (incremental); purchase_style compares each
    session with the medians over all purchasing sessions, and channel_group
    comes from the editable mapping (int_traffic_sources_grouped), so this
    table is rebuilt on every run.
-#}
with

sessions_measured as (
    select * from {{ ref('int_sessions_measured') }}
),

traffic_sources_grouped as (
    select * from {{ ref('int_traffic_sources_grouped') }}
),

purchase_style_medians as (
    {#- Over purchasing sessions with at least one accepted order line, as
        type_float (double on every target); avg_item_price_usd is compared
        with the median in that same type below. #}
    select
        {{ percentile_continuous(
            'cast(items_purchased as ' ~ dbt.type_float() ~ ')', 0.5
        ) }} as median_items_purchased,
        {{ percentile_continuous(
            'cast(avg_item_price_usd as ' ~ dbt.type_float() ~ ')', 0.5
        ) }} as median_avg_item_price_usd
    from sessions_measured
    where did_purchase
        and items_purchased > 0
),

final as (
    {#- purchase_style: see the doc block purchase_style. #}
    select
        sessions_measured.*,
        traffic_sources_grouped.channel_group,
        case
            when not sessions_measured.did_purchase then null
            when sessions_measured.items_purchased = 0 then 'unknown'
            when
                sessions_measured.items_purchased > purchase_style_medians.median_items_purchased
                and cast(sessions_measured.avg_item_price_usd as {{ dbt.type_float() }})
                < purchase_style_medians.median_avg_item_price_usd
                then 'cheap_many'
            when
                sessions_measured.items_purchased <= purchase_style_medians.median_items_purchased
                and cast(sessions_measured.avg_item_price_usd as {{ dbt.type_float() }})
                >= purchase_style_medians.median_avg_item_price_usd
                then 'expensive_few'
            else 'mixed'
        end as purchase_style
    from sessions_measured
    cross join purchase_style_medians
    left join traffic_sources_grouped
        on sessions_measured.traffic_source = traffic_sources_grouped.traffic_source
)

select * from final
