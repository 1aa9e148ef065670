{#-
    md5 of one raw row as loaded, prefixed with a tag naming its table, for
    the session fingerprints of incremental runs. Any change of the raw text
    (even whitespace) is a change; NULL and blank hash alike, as loaders
    store missing values differently.
-#}
{% macro raw_row_hash(table_tag, columns) -%}
    {%- set parts = ["'" ~ table_tag ~ "'"] -%}
    {%- for column in columns -%}
        {%- do parts.append("'|'") -%}
        {%- do parts.append("coalesce(" ~ column ~ ", '')") -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}
