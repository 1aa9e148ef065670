{#-
    Pre-hook of the six sample seeds: seeded raw holds no load batch, so the
    loader's record of batches (raw.load_batches) no longer describes raw and
    is emptied; with it empty, load_batches_in_use is false and the change
    list fingerprints the seeded rows. The table being seeded loses the
    loader's columns where the seed loader cannot keep them: dbt-duckdb reads
    the CSV with the existing table's columns and fails on the extra two;
    dbt-postgres inserts the CSV's columns and leaves them NULL (and the
    staging views over them stop PostgreSQL from dropping them). A no-op
    where the loader never ran.
-#}
{% macro forget_load_batches() -%}
    {{- return(adapter.dispatch('forget_load_batches', 'customer_behaviour')()) -}}
{%- endmacro %}

{% macro default__forget_load_batches() -%}
    {%- if execute -%}
        {%- set batches = shop_relation('load_batches') -%}
        {%- if batches is not none -%}
            delete from {{ batches }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{% macro duckdb__forget_load_batches() -%}
    {%- if execute -%}
        {%- set batches = shop_relation('load_batches') -%}
        {%- if batches is not none -%}
            {%- do run_query('delete from ' ~ batches) -%}
        {%- endif -%}
        {%- set seeded = adapter.get_relation(
            database=this.database, schema=this.schema, identifier=this.identifier
        ) -%}
        {%- if seeded is not none -%}
            {%- for column in ['_load_id', '_loaded_at'] -%}
                {%- do run_query(
                    'alter table ' ~ seeded ~ ' drop column if exists ' ~ column
                ) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
