{#-
    The raw row as one line of text, "column=value | column=value", for
    dq_rejected_rows. `labels` (optional) names the columns in the text when
    the expressions are not the raw column names.

    Values are shown as loaded, except that a missing value (NULL, blank, or
    the word null, which loaders store differently: dbt seeds on Postgres turn
    them into NULL, DuckDB's CSV reader and COPY keep blanks) is shown empty.
    So the same input file gives the same raw_record, and the same
    staged_row_id, whichever target or loader read it.
-#}
{% macro raw_record(columns, labels=none) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("'" ~ (labels[loop.index0] if labels else column) ~ "='") -%}
        {%- do parts.append(
            "case when " ~ clean_text(column) ~ " is null then '' else " ~ column ~ " end"
        ) -%}
        {%- if not loop.last %}{% do parts.append("' | '") %}{% endif -%}
    {%- endfor -%}
    {{ concat_text(parts) }}
{%- endmacro %}
