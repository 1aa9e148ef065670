{#-
    The contract's first value rule: trim surrounding spaces; an empty value or
    the literal "null" (any case) is missing. Returns SQL text or NULL.
-#}
{% macro clean_text(column_name) -%}
    case
        when lower(trim({{ column_name }})) in ('', 'null') then null
        else trim({{ column_name }})
    end
{%- endmacro %}
