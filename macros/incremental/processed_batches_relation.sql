{#-
    The record of the last complete run (int_load_batches_processed) as it
    exists in the warehouse, or none. Looked up through the graph, not ref():
    it is written at the end of the run, after everything that reads it.
-#}
{% macro processed_batches_relation() -%}
    {%- set record = graph.nodes.get('model.' ~ project_name ~ '.int_load_batches_processed') -%}
    {%- if record is none -%}
        {{- return(none) -}}
    {%- endif -%}
    {{- return(adapter.get_relation(
        database=record.database, schema=record.schema, identifier=record.alias
    )) -}}
{%- endmacro %}
