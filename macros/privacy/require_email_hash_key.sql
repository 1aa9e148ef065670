{#-
    on-run-start hook: a dbt build or run without a usable e-mail hash key
    stops here, with the one-line reason from email_hash_key_pads, before any
    seed or model is touched (rather than failing stg_shop__customers half-way
    through the run). Other commands need no key and pass.
-#}
{% macro require_email_hash_key() -%}
    {%- do email_hash_key_pads() -%}
    select 1
{%- endmacro %}
