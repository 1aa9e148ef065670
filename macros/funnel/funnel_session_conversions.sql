{#-
    The body of a CTE with one row per session and funnel step after the
    first that the session reached: session_id, step_number and
    seconds_to_convert (whole seconds from the moment the session reached
    step 1 to the moment it reached the step), from `session_funnels`
    (int_sessions_funnel_evaluated). Shared by fct_funnel_time_to_convert
    and its histogram, so both count the same conversions.
-#}
{% macro funnel_session_conversions(session_funnels='session_funnels', steps=none) -%}
{%- set steps = steps if steps is not none else funnel_steps() -%}
{%- for step in steps[1:] %}
select
    session_id,
    {{ loop.index + 1 }} as step_number,
    {{ seconds_between('step_1_at', 'step_' ~ (loop.index + 1) ~ '_at') }} as seconds_to_convert
from {{ session_funnels }}
where step_{{ loop.index + 1 }}_at is not null
{%- if not loop.last %}
union all
{%- endif %}
{%- else %}
{#- A one-step funnel has nothing to convert to. #}
select
    session_id,
    1 as step_number,
    cast(0 as {{ dbt.type_bigint() }}) as seconds_to_convert
from {{ session_funnels }}
where false
{%- endfor %}
{%- endmacro %}
