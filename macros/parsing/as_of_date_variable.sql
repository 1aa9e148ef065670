{#-
    The variable customer_behaviour__as_of_date, checked: a date written
    YYYY-MM-DD, or none when it is not set. A bad value stops the build with
    one line. Read by int_as_of_date_resolved (RFM) and
    int_funnel_data_end_resolved (which funnel windows are still open).
-#}
{% macro as_of_date_variable() -%}
    {%- set as_of_date = var('customer_behaviour__as_of_date', none) -%}
    {%- if as_of_date is not none
        and not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', as_of_date | string) -%}
        {{ exceptions.raise_compiler_error(
            "customer_behaviour__as_of_date must be a date YYYY-MM-DD or null, got '"
            ~ as_of_date ~ "'"
        ) }}
    {%- endif -%}
    {{ return(none if as_of_date is none else as_of_date | string) }}
{%- endmacro %}
