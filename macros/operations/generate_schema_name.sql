{#-
    Schemas have exactly the names the project documents (raw, staging,
    intermediate, marts, analytics) on every target, instead of dbt's default
    "<target schema>_<custom schema>". Nodes without a custom schema (unit-test
    fixtures, ad-hoc runs) use the target's schema.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
