{#-
    The variable customer_behaviour__session_timeout_minutes, checked for the
    funnel marts' open sessions (session_is_open):
    whole minutes, 0 or more (a fraction would be cut on Spark, whose
    timestampadd takes a bigint). A bad value stops the build with one line.
-#}
{% macro session_timeout_minutes() -%}
    {%- set timeout_minutes = var('customer_behaviour__session_timeout_minutes') -%}
    {%- if timeout_minutes is boolean or timeout_minutes is not integer or timeout_minutes < 0 -%}
        {{ exceptions.raise_compiler_error(
            "customer_behaviour__session_timeout_minutes must be a whole number of minutes,"
            ~ " 0 or more (for example 30); it is " ~ timeout_minutes
        ) }}
    {%- endif -%}
    {{ return(timeout_minutes) }}
{%- endmacro %}
