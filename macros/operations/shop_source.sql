{#-
    Reads a raw input table through source(), as the project's lineage rules
    ask. When the sample seeds are in use, the seed of the same name is also
    registered as a dependency, so that a plain `dbt build` loads the seed
    before the staging model that reads it (a view cannot be created over a
    table that does not exist yet).
-#}
{% macro shop_source(table_name) -%}
    {%- if var('customer_behaviour__use_seeds') -%}
        {%- set seed_dependency = ref(table_name) -%}
    {%- endif -%}
    {{- return(source('shop', table_name)) -}}
{%- endmacro %}
