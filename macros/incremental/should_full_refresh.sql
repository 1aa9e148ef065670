{#-
    dbt's own should_full_refresh (the model's full_refresh config, else the
    --full-refresh flag), plus one rule of this project: an incremental model
    is rebuilt whole when the settings it depends on changed since the last
    complete run (session_configuration_changed), or when raw no longer holds
    a batch that run processed (session_inputs_replaced). Without it, changing
    customer_behaviour__funnel_steps broke the next `make run` (the kept
    table had the old step columns), and changing the devices would have kept
    stale values on every session not recomputed. The project's copy takes
    precedence over dbt's for every materialization that asks; only
    incremental models get the extra rule.
-#}
{% macro should_full_refresh() -%}
    {%- set config_full_refresh = config.get('full_refresh') -%}
    {%- if config_full_refresh is none -%}
        {%- set config_full_refresh = flags.FULL_REFRESH -%}
    {%- endif -%}
    {%- if config_full_refresh -%}
        {{- return(true) -}}
    {%- endif -%}
    {%- if config.get('full_refresh') is not none -%}
        {{- return(false) -}}
    {%- endif -%}
    {{- return(session_configuration_changed() or session_inputs_replaced()) -}}
{%- endmacro %}
