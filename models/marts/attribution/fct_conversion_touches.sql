{#-
    One row per touch: a session of a conversion path or of a non-converting
    journey (doc block attribution_journey), with its position in the path,
    how long before the journey's end it happened and the share of the
    journey's conversion each heuristic attribution model gives it. The
    credits of a journey add up to 1 under every model, so
    fct_channel_attribution is a sum over this table.
-#}
{%- set lookback_days = var('customer_behaviour__attribution_lookback_days') -%}
{%- set half_life_days = var('customer_behaviour__attribution_half_life_days') -%}
{%- set direct_channels = var('customer_behaviour__attribution_direct_channels') or [] -%}
{%- set weights = var('customer_behaviour__attribution_position_weights') -%}
{%- if lookback_days | float < 0 -%}
    {{ exceptions.raise_compiler_error(
        "customer_behaviour__attribution_lookback_days must be 0 or more, not "
        ~ lookback_days) }}
{%- endif -%}
{%- if half_life_days | float <= 0 -%}
    {{ exceptions.raise_compiler_error(
        "customer_behaviour__attribution_half_life_days must be above 0, not "
        ~ half_life_days) }}
{%- endif -%}
{%- if weights | length != 3 or (weights | sum - 1) | abs > 0.000001
    or weights | min < 0 or weights[0] + weights[2] <= 0 -%}
    {{ exceptions.raise_compiler_error(
        "customer_behaviour__attribution_position_weights must be three shares "
        ~ "(first, middle, last) of 0 or more adding up to 1, with first + last "
        ~ "above 0; got " ~ weights) }}
{%- endif -%}
{%- set float = dbt.type_float() -%}
{%- set first_weight, middle_weight, last_weight = weights[0], weights[1], weights[2] -%}
{%- set end_weights = "cast(" ~ (first_weight + last_weight) ~ " as " ~ float ~ ")" -%}
with

sessions as (
    select * from {{ ref('fct_sessions') }}
),

sessions_numbered as (
    {#- journey_number: 1 + the customer's purchasing sessions before this one,
        so a journey ends with its purchasing session (the last in its group)
        or, after the last purchase, is the customer's open journey. An
        anonymous session is its own journey: identities are not stitched. #}
    select
        session_id,
        customer_id,
        session_start_at,
        channel_group,
        did_purchase,
        amount_usd,
        case
            when customer_id is null then 1
            else 1 + coalesce(sum(case when did_purchase then 1 else 0 end) over (
                    partition by customer_id
                    order by session_start_at, {{ collate_binary('session_id') }}
                    rows between unbounded preceding and 1 preceding
                ), 0)
        end as journey_number
    from sessions
),

sessions_grouped as (
    {#- The journey's group: the customer and journey number, or the session
        itself when anonymous. #}
    select
        *,
        coalesce(
            customer_id || '|' || cast(journey_number as {{ dbt.type_string() }}),
            '|' || session_id
        ) as journey_group
    from sessions_numbered
),

journey_ends as (
    {#- The last session of each group names the journey and sets its end. #}
    select
        journey_group,
        session_id as journey_id,
        session_start_at as journey_end_at,
        did_purchase as is_converted,
        case when did_purchase then amount_usd else 0 end as revenue_usd
    from (
        select
            *,
            row_number() over (
                partition by journey_group
                order by session_start_at desc, {{ collate_binary('session_id') }} desc
            ) as rank_in_group
        from sessions_grouped
    ) as ranked_in_group
    where rank_in_group = 1
),

touches_in_lookback as (
    select
        journey_ends.journey_id,
        sessions_grouped.session_id,
        sessions_grouped.customer_id,
        sessions_grouped.channel_group,
        sessions_grouped.session_start_at as touched_at,
        journey_ends.journey_end_at,
        journey_ends.is_converted,
        journey_ends.revenue_usd,
        {{ seconds_between(
            'sessions_grouped.session_start_at', 'journey_ends.journey_end_at'
        ) }} as seconds_before_end
    from sessions_grouped
    inner join journey_ends
        on sessions_grouped.journey_group = journey_ends.journey_group
    where
        {{ seconds_between(
            'sessions_grouped.session_start_at', 'journey_ends.journey_end_at'
        ) }} <= {{ lookback_days }} * 86400
),

touches_positioned as (
    select
        *,
        cast(seconds_before_end as {{ dbt.type_float() }}) / 86400 as days_before_end,
        cast(row_number() over (
            partition by journey_id
            order by touched_at, {{ collate_binary('session_id') }}
        ) as {{ dbt.type_int() }}) as touch_position,
        cast(count(*) over (partition by journey_id) as {{ dbt.type_int() }}) as path_length,
        {% if direct_channels | length > 0 -%}
            channel_group in (
                {%- for channel in direct_channels %}
                    '{{ channel | replace("'", "''") }}'{{ "," if not loop.last }}
                {%- endfor %}
            )
        {%- else -%}
            false
        {%- endif %} as is_direct
    from touches_in_lookback
),

touches_weighted as (
    select
        *,
        coalesce(
            max(case when not is_direct then touch_position end)
                over (partition by journey_id),
            path_length
        ) as last_non_direct_position,
        power(
            cast(0.5 as {{ dbt.type_float() }}), days_before_end / {{ half_life_days }}
        ) as decay_weight
    from touches_positioned
),

final as (
    {#- Credits: doc block attribution_models. #}
    select
        journey_id,
        session_id,
        customer_id,
        touch_position,
        path_length,
        channel_group,
        is_direct,
        touched_at,
        journey_end_at,
        days_before_end,
        is_converted,
        revenue_usd,
        cast(
            case when touch_position = 1 then 1 else 0 end as {{ float }}
        ) as first_touch_credit,
        cast(
            case when touch_position = path_length then 1 else 0 end as {{ float }}
        ) as last_touch_credit,
        cast(
            case when touch_position = last_non_direct_position then 1 else 0 end
            as {{ float }}
        ) as last_non_direct_credit,
        cast(1 as {{ float }}) / path_length as linear_credit,
        case
            when path_length = 1 then cast(1 as {{ float }})
            when path_length = 2 and touch_position = 1
                then cast({{ first_weight }} as {{ float }}) / {{ end_weights }}
            when path_length = 2
                then cast({{ last_weight }} as {{ float }}) / {{ end_weights }}
            when touch_position = 1 then cast({{ first_weight }} as {{ float }})
            when touch_position = path_length then cast({{ last_weight }} as {{ float }})
            else cast({{ middle_weight }} as {{ float }}) / (path_length - 2)
        end as position_based_credit,
        decay_weight / sum(decay_weight) over (partition by journey_id) as time_decay_credit
    from touches_weighted
)

select * from final
