{#-
    True at run time for an incremental model when the settings hash recorded
    by the last complete run (int_load_batches_processed.configuration_hash)
    differs from this run's (session_configuration_hash). False on a first
    build (no record: every model is created anyway), at parse time and for
    other materializations. The record is found through the graph, not ref(),
    so the asking model needs no dependency on it (the record is written after
    all of them).
-#}
{% macro session_configuration_changed() -%}
    {%- if not execute or model is not defined or model.config.materialized != 'incremental' -%}
        {{- return(false) -}}
    {%- endif -%}
    {%- set relation = processed_batches_relation() -%}
    {%- if relation is none -%}
        {{- return(false) -}}
    {%- endif -%}
    {%- set recorded = run_query('select max(configuration_hash) from ' ~ relation) -%}
    {{- return(recorded.columns[0].values()[0] != session_configuration_hash()) -}}
{%- endmacro %}
