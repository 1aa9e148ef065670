{#-
    True at run time for an incremental model when the settings hash recorded
    by the last complete run (int_load_batches_processed.configuration_hash)
    differs from this run's (session_configuration_hash), or when only the
    fingerprint record of an older release exists. False on a first build (no
    record: every model is created anyway), at parse time and for other
    materializations. The record is found through the graph, not ref(),
    so the asking model needs no dependency on it (the record is written after
    all of them).
-#}
{% macro session_configuration_changed() -%}
    {%- if not execute or model is not defined or model.config.materialized != 'incremental' -%}
        {{- return(false) -}}
    {%- endif -%}
    {%- set relation = processed_batches_relation() -%}
    {%- if relation is none -%}
        {#- No record: a first build (nothing to keep), or a warehouse built by a
            release before load batches, whose record is the fingerprint one and
            whose settings hash cannot be trusted: rebuild that. -#}
        {%- set older = graph.nodes.get('model.' ~ project_name ~ '.int_session_inputs_processed') -%}
        {%- if older is none -%}
            {{- return(false) -}}
        {%- endif -%}
        {{- return(adapter.get_relation(
            database=older.database, schema=older.schema, identifier=older.alias
        ) is not none) -}}
    {%- endif -%}
    {%- set recorded = run_query('select max(configuration_hash) from ' ~ relation) -%}
    {{- return(recorded.columns[0].values()[0] != session_configuration_hash()) -}}
{%- endmacro %}
