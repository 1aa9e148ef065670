{#-
    Pair rules "a basket holding the antecedent also holds the consequent",
    computed in SQL at two levels (product and category), both directions.
    The Python layer mines the same baskets with mlxtend; its 2-item rules
    must equal these numbers (python/tests/test_analytics_results.py).
    `level` and `support` are the names association rules always use (mlxtend
    too); sqlfluff knows them as keywords, but no target reserves them.
-#}
with

basket_items as (
    select * from {{ ref('fct_basket_items') }}
),

basket_levels as (
    select distinct
        order_id,
        'product' as level,  -- noqa: RF04
        product_id as item
    from basket_items
    union all
    select distinct
        order_id,
        'category' as level,  -- noqa: RF04
        category as item
    from basket_items
),

baskets_counted as (
    select cast(count(distinct order_id) as {{ dbt.type_bigint() }}) as n_baskets
    from basket_items
),

items_counted as (
    select
        level,
        item,
        cast(count(*) as {{ dbt.type_bigint() }}) as n_item_baskets
    from basket_levels
    group by level, item
),

pairs_counted as (
    select
        antecedents.level,
        antecedents.item as antecedent,
        consequents.item as consequent,
        cast(count(*) as {{ dbt.type_bigint() }}) as n_pair_baskets
    from basket_levels as antecedents
    inner join basket_levels as consequents
        on
            antecedents.order_id = consequents.order_id
            and antecedents.level = consequents.level
            and antecedents.item <> consequents.item
    group by antecedents.level, antecedents.item, consequents.item
),

pairs_joined as (
    select
        pairs_counted.level,
        pairs_counted.antecedent,
        pairs_counted.consequent,
        pairs_counted.n_pair_baskets,
        antecedent_items.n_item_baskets as n_antecedent_baskets,
        consequent_items.n_item_baskets as n_consequent_baskets,
        {#- A scalar subquery, not a cross join: PostgreSQL misestimates the
            joined pairs as one row and, with a cross join, recounted every
            basket once per pair (160 s of 245 at 300k sessions). #}
        (select baskets_counted.n_baskets from baskets_counted) as n_baskets
    from pairs_counted
    inner join items_counted as antecedent_items
        on
            pairs_counted.level = antecedent_items.level
            and pairs_counted.antecedent = antecedent_items.item
    inner join items_counted as consequent_items
        on
            pairs_counted.level = consequent_items.level
            and pairs_counted.consequent = consequent_items.item
),

supports_computed as (
    select
        level,
        antecedent,
        consequent,
        n_pair_baskets,
        n_antecedent_baskets,
        n_consequent_baskets,
        n_baskets,
        cast(n_pair_baskets as {{ dbt.type_float() }}) / n_baskets as support,  -- noqa: RF04
        cast(n_antecedent_baskets as {{ dbt.type_float() }}) / n_baskets as antecedent_support,
        cast(n_consequent_baskets as {{ dbt.type_float() }}) / n_baskets as consequent_support,
        cast(n_pair_baskets as {{ dbt.type_float() }}) / n_antecedent_baskets as confidence
    from pairs_joined
),

final as (
    select
        {{ dbt.concat(['level', "'|'", 'antecedent', "'|'", 'consequent']) }} as pair_rule_key,
        level,
        antecedent,
        consequent,
        n_pair_baskets,
        n_antecedent_baskets,
        n_consequent_baskets,
        n_baskets,
        support,
        antecedent_support,
        consequent_support,
        confidence,
        confidence / consequent_support as lift,
        support - antecedent_support * consequent_support as leverage,
        case
            when confidence < 1 then (1 - consequent_support) / (1 - confidence)
        end as conviction
    from supports_computed
)

select * from final
