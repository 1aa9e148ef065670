{#-
    The measure columns of fct_product_funnel and fct_category_funnel, from
    the CTEs of product_funnel_ctes left-joined on the row's key: the session
    counts (0 when nothing happened), the two rates (NULL without a
    denominator), orders, units, revenue and the gross margin (0 when nothing
    was sold). Emit inside a select list.
-#}
{% macro product_funnel_measures(sessions_counted='sessions_counted', sales='sales_summed', key_column='product_id') -%}
    {%- for column in [
        'viewed_sessions', 'carted_sessions', 'purchased_sessions',
        'viewed_and_carted_sessions', 'carted_and_purchased_sessions',
    ] %}
    cast(coalesce({{ sessions_counted }}.{{ column }}, 0) as {{ dbt.type_bigint() }})
        as {{ column }},
    {%- endfor %}
    case
        when {{ sessions_counted }}.viewed_sessions > 0
            then cast({{ sessions_counted }}.viewed_and_carted_sessions as {{ dbt.type_float() }})
                / {{ sessions_counted }}.viewed_sessions
    end as view_to_cart_rate,
    case
        when {{ sessions_counted }}.carted_sessions > 0
            then cast({{ sessions_counted }}.carted_and_purchased_sessions as {{ dbt.type_float() }})
                / {{ sessions_counted }}.carted_sessions
    end as cart_to_purchase_rate,
    cast(coalesce({{ sales }}.n_orders, 0) as {{ dbt.type_bigint() }}) as n_orders,
    cast(coalesce({{ sales }}.units_purchased, 0) as {{ dbt.type_bigint() }}) as units_purchased,
    cast(coalesce({{ sales }}.revenue_usd, 0) as {{ dbt.type_numeric() }}) as revenue_usd,
    cast(
        case
            when {{ sales }}.{{ key_column }} is null then 0
            else {{ sales }}.gross_margin_usd
        end as {{ dbt.type_numeric() }}
    ) as gross_margin_usd
{%- endmacro %}
