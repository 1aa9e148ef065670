{#-
    The relation of a table of source `shop` as it exists in the warehouse,
    or none. Found through the graph, not source(), so that a macro asking
    at run time adds no dependency to the model that calls it.
-#}
{% macro shop_relation(table_name) -%}
    {%- set node = graph.sources.values()
        | selectattr('source_name', 'equalto', 'shop')
        | selectattr('name', 'equalto', table_name) | first -%}
    {{- return(adapter.get_relation(
        database=node.database, schema=node.schema, identifier=node.identifier
    )) -}}
{%- endmacro %}
