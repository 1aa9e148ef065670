{#-
    The raw row as one line of text, "column=value | column=value", for
    dq_rejected_rows. `labels` (optional) names the columns in the text when
    the expressions are not the raw column names.
-#}
{% macro raw_record(columns, labels=none) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("'" ~ (labels[loop.index0] if labels else column) ~ "='") -%}
        {%- do parts.append("coalesce(" ~ column ~ ", '')") -%}
        {%- if not loop.last %}{% do parts.append("' | '") %}{% endif -%}
    {%- endfor -%}
    {{ dbt.concat(parts) }}
{%- endmacro %}
