{#-
    True at run time for an incremental model when the settings hash recorded
    by the last complete run (int_session_inputs_processed.configuration_hash)
    differs from this run's (session_configuration_hash), or when the record
    predates the hash. False on a first build (no record: every model is
    created anyway), at parse time and for other materializations. The record
    is found through the graph, not ref(), so the asking model needs no
    dependency on it (the record is written after all of them).
-#}
{% macro session_configuration_changed() -%}
    {%- if not execute or model is not defined or model.config.materialized != 'incremental' -%}
        {{- return(false) -}}
    {%- endif -%}
    {%- set record = graph.nodes.get('model.' ~ project_name ~ '.int_session_inputs_processed') -%}
    {%- if record is none -%}
        {{- return(false) -}}
    {%- endif -%}
    {%- set relation = adapter.get_relation(
        database=record.database, schema=record.schema, identifier=record.alias
    ) -%}
    {%- if relation is none -%}
        {{- return(false) -}}
    {%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
    {%- if 'configuration_hash' not in columns -%}
        {{- return(true) -}}
    {%- endif -%}
    {%- set recorded = run_query('select max(configuration_hash) from ' ~ relation) -%}
    {{- return(recorded.columns[0].values()[0] != session_configuration_hash()) -}}
{%- endmacro %}
