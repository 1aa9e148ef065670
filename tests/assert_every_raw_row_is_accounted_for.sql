{#-
    Nothing is lost: for every input table, the rows in raw.<table> equal the
    accepted rows plus the rejected rows of dq_load_summary, the outcome rows
    add up to the table's total, and dq_rejected_rows holds exactly the
    rejected rows. Returns one row per table that breaks any of these.
-#}
{%- set tables = ['customers', 'products', 'sessions', 'events', 'orders', 'order_items'] %}

with

raw_counted as (
    {%- for table_name in tables %}
        select
            '{{ table_name }}' as source_table,
            count(*) as raw_rows
        from {{ source('shop', table_name) }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

load_summary as (
    select * from {{ ref('dq_load_summary') }}
),

rejected_rows as (
    select * from {{ ref('dq_rejected_rows') }}
),

summary_per_table as (
    select
        source_table,
        max(raw_rows) as raw_rows,
        max(accepted_rows) as accepted_rows,
        max(rejected_rows) as rejected_rows,
        sum(n_rows) as outcome_rows
    from load_summary
    group by source_table
),

rejected_per_table as (
    select
        source_table,
        count(*) as quarantined_rows
    from rejected_rows
    group by source_table
),

compared as (
    select
        raw_counted.source_table,
        raw_counted.raw_rows as rows_in_raw,
        summary_per_table.raw_rows,
        summary_per_table.accepted_rows,
        summary_per_table.rejected_rows,
        summary_per_table.outcome_rows,
        coalesce(rejected_per_table.quarantined_rows, 0) as quarantined_rows
    from raw_counted
    left join summary_per_table
        on raw_counted.source_table = summary_per_table.source_table
    left join rejected_per_table
        on raw_counted.source_table = rejected_per_table.source_table
)

select *
from compared
where raw_rows is null
    or rows_in_raw <> raw_rows
    or raw_rows <> accepted_rows + rejected_rows
    or outcome_rows <> raw_rows
    or quarantined_rows <> rejected_rows
