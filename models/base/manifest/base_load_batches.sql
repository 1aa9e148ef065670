{#-
    The load batches raw holds at the start of this run, each marked new when
    the last complete run (int_load_batches_processed) did not process it.
    Loaded data: the bulk loader's record, raw.load_batches (one row per
    load). Seeds, or a raw without the loader's columns: one batch, '(seeds)',
    whose changes the change list finds by fingerprints instead (macro
    load_batches_in_use). int_load_batches_processed copies this list at the
    end of the run, so a run killed before then leaves the same batches new.
-#}
{%- set batches_source = source('shop', 'load_batches') -%}
{%- set record = processed_batches_relation() if execute else none %}
with

raw_batches as (
    {%- if load_batches_in_use() %}
        select
            load_id,
            loaded_at,
            load_mode
        from {{ batches_source }}
    {%- else %}
        select
            '(seeds)' as load_id,
            cast(null as {{ dbt.type_timestamp() }}) as loaded_at,
            'seed' as load_mode
    {%- endif %}
),

processed_batches as (
    {#- Without a record, nothing counts as processed. #}
    {%- if record is not none %}
        select load_id from {{ record }}
    {%- else %}
        select load_id from raw_batches
        where 1 = 0
    {%- endif %}
),

final as (
    select
        raw_batches.load_id,
        raw_batches.loaded_at,
        raw_batches.load_mode,
        processed_batches.load_id is null as is_new
    from raw_batches
    left join processed_batches
        on raw_batches.load_id = processed_batches.load_id
)

select * from final
