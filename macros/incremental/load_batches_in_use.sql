{#-
    True at run time when the change list can read load batches: the bulk
    loader's record (raw.load_batches) holds at least one batch and the four
    session-keyed raw tables carry its `_load_id` column. False for seeds
    (no such columns; seeding also empties the record, forget_load_batches),
    at parse time, and on targets the loader does not serve (Spark); the
    change list then fingerprints every session's raw rows instead.
-#}
{% macro load_batches_in_use() -%}
    {%- if not execute -%}
        {{- return(false) -}}
    {%- endif -%}
    {%- set batches = shop_relation('load_batches') -%}
    {%- if batches is none -%}
        {{- return(false) -}}
    {%- endif -%}
    {%- for table_name in ['events', 'sessions', 'orders', 'order_items'] -%}
        {%- set relation = shop_relation(table_name) -%}
        {%- if relation is none -%}
            {{- return(false) -}}
        {%- endif -%}
        {%- set columns = adapter.get_columns_in_relation(relation)
            | map(attribute='name') | map('lower') | list -%}
        {%- if '_load_id' not in columns -%}
            {{- return(false) -}}
        {%- endif -%}
    {%- endfor -%}
    {%- set counted = run_query('select count(*) from ' ~ batches) -%}
    {{- return(counted.columns[0].values()[0] > 0) -}}
{%- endmacro %}
