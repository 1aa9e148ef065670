{#-
    [+-]digits with at most 9 digits (fits a 32-bit integer) cast to
    dbt's type_int; anything else is NULL. Validated before the cast so bad
    text never fails the build (Postgres 15 has no try_cast).
-#}
{% macro parse_integer(text) -%}
    case
        when {{ regex_full_match(text, '[+-]?[0-9]{1,9}') }}
            then cast({{ text }} as {{ dbt.type_int() }})
    end
{%- endmacro %}
