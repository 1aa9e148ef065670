{#- Two-letter upper-case country code, else 'unknown'. -#}
{% macro to_country_code(text) -%}
    case
        when {{ regex_full_match('upper(' ~ text ~ ')', '[A-Z]{2}') }} then upper({{ text }})
        else 'unknown'
    end
{%- endmacro %}
