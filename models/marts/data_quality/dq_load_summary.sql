{#-
    Load outcome per input table: one row per table and outcome ('accepted'
    or a rejection reason) with its row count, next to the table's totals.
    Every table has an 'accepted' row, even when nothing was accepted.
-#}
with

staged_customers as (
    select * from {{ ref('stg_shop__customers') }}
),

staged_products as (
    select * from {{ ref('stg_shop__products') }}
),

staged_sessions as (
    select * from {{ ref('stg_shop__sessions') }}
),

validated_events as (
    select * from {{ ref('int_events_validated') }}
),

validated_orders as (
    select * from {{ ref('int_orders_validated') }}
),

validated_order_items as (
    select * from {{ ref('int_order_items_validated') }}
),

{%- set tables = [
    ('customers', 'staged_customers'),
    ('products', 'staged_products'),
    ('sessions', 'staged_sessions'),
    ('events', 'validated_events'),
    ('orders', 'validated_orders'),
    ('order_items', 'validated_order_items'),
] %}

outcomes_unioned as (
    {%- for table_name, cte in tables %}
        select
            '{{ table_name }}' as source_table,
            {{ loop.index }} as table_order,
            coalesce(rejection_reason, 'accepted') as outcome
        from {{ cte }}
        union all
        select
            '{{ table_name }}' as source_table,
            {{ loop.index }} as table_order,
            null as outcome
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

outcomes_counted as (
    select
        source_table,
        table_order,
        coalesce(outcome, 'accepted') as outcome,
        cast(sum(case when outcome is null then 0 else 1 end) as {{ dbt.type_bigint() }}) as n_rows
    from outcomes_unioned
    group by source_table, table_order, coalesce(outcome, 'accepted')
),

table_totals as (
    select
        source_table,
        cast(sum(n_rows) as {{ dbt.type_bigint() }}) as raw_rows,
        cast(sum(case when outcome = 'accepted' then n_rows else 0 end) as {{ dbt.type_bigint() }})
            as accepted_rows,
        cast(sum(case when outcome <> 'accepted' then n_rows else 0 end) as {{ dbt.type_bigint() }})
            as rejected_rows
    from outcomes_counted
    group by source_table
),

final as (
    select
        outcomes_counted.source_table,
        outcomes_counted.outcome,
        outcomes_counted.n_rows,
        table_totals.raw_rows,
        table_totals.accepted_rows,
        table_totals.rejected_rows,
        case
            when table_totals.raw_rows > 0
                then cast(outcomes_counted.n_rows as {{ dbt.type_float() }}) / table_totals.raw_rows
        end as share_of_raw_rows,
        outcomes_counted.table_order
    from outcomes_counted
    inner join table_totals
        on outcomes_counted.source_table = table_totals.source_table
)

select * from final
