{#-
    True at run time for an incremental model when raw no longer holds a
    batch that the last complete run processed (int_load_batches_processed):
    a replacing load (the loader empties raw.load_batches with the tables), a
    switch between seeds (the one batch '(seeds)') and loaded batches, or
    either way back. The batch change list cannot see deleted rows, so such a
    run rebuilds the session-keyed models whole (should_full_refresh). False
    on a first build, at parse time and for other materializations.
-#}
{% macro session_inputs_replaced() -%}
    {%- if not execute or model is not defined or model.config.materialized != 'incremental' -%}
        {{- return(false) -}}
    {%- endif -%}
    {%- set record = processed_batches_relation() -%}
    {%- if record is none -%}
        {{- return(false) -}}
    {%- endif -%}
    {%- if load_batches_in_use() -%}
        {%- set present = 'select load_id from ' ~ shop_relation('load_batches') -%}
    {%- else -%}
        {%- set present = "select '(seeds)' as load_id" -%}
    {%- endif -%}
    {%- set missing = run_query(
        'select count(*) from ' ~ record ~ ' where load_id not in (' ~ present ~ ')'
    ) -%}
    {{- return(missing.columns[0].values()[0] > 0) -}}
{%- endmacro %}
