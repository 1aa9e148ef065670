{#-
    Safe numeric casts for the input contract: validate the text first, then
    cast, so that bad text becomes NULL on every target instead of failing
    the build (Postgres 15 has no try_cast).

    parse_decimal: [+-]digits[.digits], at most 12 integer and 6 decimal
    digits, as dbt's type_numeric (numeric(28, 6)). Larger values are treated
    as invalid rather than overflowing.
    parse_integer: [+-]digits, at most 9 digits (fits a 32-bit integer).
-#}
{% macro parse_decimal(text) -%}
    case
        when {{ regex_full_match(text, '[+-]?[0-9]{1,12}([.][0-9]{1,6})?') }}
            then cast({{ text }} as {{ dbt.type_numeric() }})
    end
{%- endmacro %}

{% macro parse_integer(text) -%}
    case
        when {{ regex_full_match(text, '[+-]?[0-9]{1,9}') }}
            then cast({{ text }} as {{ dbt.type_int() }})
    end
{%- endmacro %}
