{#-
    [+-]digits[.digits] with at most 12 integer and 6 decimal digits, cast to
    dbt's type_numeric (numeric(28, 6)); anything else (including values too
    large) is NULL. Validated before the cast so bad text never fails the
    build on any target (Postgres 15 has no try_cast).
-#}
{% macro parse_decimal(text) -%}
    case
        when {{ regex_full_match(text, '[+-]?[0-9]{1,12}([.][0-9]{1,6})?') }}
            then cast({{ text }} as {{ dbt.type_numeric() }})
    end
{%- endmacro %}
