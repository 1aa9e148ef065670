{#-
    Settings for the transaction that builds one model, run as the project's
    first pre-hook (dbt_project.yml). PostgreSQL: `set local work_mem` to
    customer_behaviour__postgres_work_mem, so the sorts and hash aggregates of
    the large staging and session models stay in memory instead of spilling
    to disk (the server default, 4MB, made stg_shop__events' key count spill
    in 45 batches at 1.7M rows). `set local` ends with the transaction: other
    sessions and the server's own setting are untouched. Elsewhere nothing.

    Also `set local jit = off` unless customer_behaviour__postgres_jit is
    true: the planner's costs for these CTE chains are inflated by rows it
    cannot estimate (billions where there are thousands), so the large
    models crossed jit_above_cost and spent most of a second compiling
    expressions they then ran over a few hundred thousand rows
    (docs/scale.md).
-#}
{% macro model_session_settings() -%}
    {{ return(adapter.dispatch('model_session_settings', 'customer_behaviour')()) }}
{%- endmacro %}

{% macro default__model_session_settings() -%}
{%- endmacro %}

{% macro postgres__model_session_settings() -%}
    {%- set work_mem = var('customer_behaviour__postgres_work_mem', none) -%}
    {%- set settings = [] -%}
    {%- if work_mem -%}
        {%- do settings.append("set local work_mem = '" ~ work_mem ~ "'") -%}
    {%- endif -%}
    {%- if not var('customer_behaviour__postgres_jit', false) -%}
        {%- do settings.append('set local jit = off') -%}
    {%- endif -%}
    {{ settings | join('; ') }}
{%- endmacro %}
