{#-
    Lower-cased value if it is one of `accepted_values`, else 'unknown' (a
    missing value is 'unknown' too). Unknown categories are never a reason to
    reject a row.
-#}
{% macro to_enum(text, accepted_values) -%}
    case
        when lower({{ text }}) in (
            {%- for value in accepted_values %}'{{ value }}'{{ ", " if not loop.last }}{% endfor -%}
        ) then lower({{ text }})
        else 'unknown'
    end
{%- endmacro %}
