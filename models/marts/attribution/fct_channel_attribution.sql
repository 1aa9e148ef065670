{#-
    Conversions and revenue attributed to each channel group by each
    heuristic model (doc block attribution_models): one row per model and
    channel group that touched any journey, with zeros where a model gives a
    channel nothing. The Markov model is computed by the Python layer
    (analytics.channel_attribution_markov), from the same journeys.
-#}
{%- set models = [
    'first_touch', 'last_touch', 'last_non_direct', 'linear', 'position_based', 'time_decay',
] -%}
with

conversion_touches as (
    select * from {{ ref('fct_conversion_touches') }}
),

converting_touches as (
    select * from conversion_touches
    where is_converted
),

channel_groups as (
    select
        channel_group,
        count(*) as touches,
        count(distinct case when is_converted then journey_id end) as converting_journeys
    from conversion_touches
    group by channel_group
),

totals as (
    select
        count(distinct journey_id) as conversions,
        sum(case when touch_position = 1 then revenue_usd end) as revenue_usd
    from converting_touches
),

credits_unpivoted as (
    {%- for model in models %}
        select
            '{{ model }}' as attribution_model,
            channel_group,
            {{ model }}_credit as credit,
            {{ model }}_credit * cast(revenue_usd as {{ dbt.type_float() }}) as revenue_credit
        from converting_touches
        {{- "\n    union all" if not loop.last }}
    {%- endfor %}
),

models as (
    {%- for model in models %}
        select
            '{{ model }}' as attribution_model,
            {{ loop.index }} as model_order
        {{- "\n    union all" if not loop.last }}
    {%- endfor %}
),

credits_summed as (
    select
        attribution_model,
        channel_group,
        sum(credit) as attributed_conversions,
        sum(revenue_credit) as attributed_revenue_usd
    from credits_unpivoted
    group by attribution_model, channel_group
),

final as (
    select
        models.attribution_model,
        channel_groups.channel_group,
        cast(models.model_order as {{ dbt.type_int() }}) as model_order,
        coalesce(credits_summed.attributed_conversions, 0) as attributed_conversions,
        cast(
            coalesce(credits_summed.attributed_revenue_usd, 0) as {{ dbt.type_float() }}
        ) as attributed_revenue_usd,
        case
            when totals.conversions > 0
                then coalesce(credits_summed.attributed_conversions, 0) / totals.conversions
        end as share_of_conversions,
        case
            when totals.revenue_usd > 0
                then cast(
                        coalesce(credits_summed.attributed_revenue_usd, 0) as {{ dbt.type_float() }}
                    ) / cast(totals.revenue_usd as {{ dbt.type_float() }})
        end as share_of_revenue,
        cast(channel_groups.touches as {{ dbt.type_int() }}) as touches,
        cast(channel_groups.converting_journeys as {{ dbt.type_int() }})
            as converting_journeys
    from models
    cross join channel_groups
    cross join totals
    left join credits_summed
        on
            models.attribution_model = credits_summed.attribution_model
            and channel_groups.channel_group = credits_summed.channel_group
)

select * from final
