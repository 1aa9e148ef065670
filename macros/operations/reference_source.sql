{#-
    source('reference', table) for the staging models of the reference
    tables that `customer-behaviour enrich` writes. Until enrich has run on
    the target, the table does not exist; then this is an empty relation
    with the same columns, so that a plain `dbt build` still builds (the
    marts then have no local times, holidays or continents) and `make run`,
    which runs enrich between staging and the marts, fills them.
-#}
{% macro reference_source(table_name, columns) -%}
    {%- set relation = source('reference', table_name) -%}
    {%- set types = {
        'text': dbt.type_string(), 'integer': dbt.type_int(),
        'float': dbt.type_float(), 'boolean': dbt.type_boolean(),
    } -%}
    {%- if execute and adapter.get_relation(
        database=relation.database, schema=relation.schema,
        identifier=relation.identifier) is none -%}
        (
            select
            {%- for name, kind in columns.items() %}
                cast(null as {{ types[kind] }}) as {{ name }}{{ ',' if not loop.last }}
            {%- endfor %}
            where 1 = 0
        )
    {%- else -%}
        {{ relation }}
    {%- endif -%}
{%- endmacro %}
