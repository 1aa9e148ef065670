{#-
    The condition that a row of `events_cte` (event_type, page,
    product_category) is an event of `step`, one step of named_funnels():
    its event type, and its page or its product's category when the step
    names one.
-#}
{% macro named_funnel_step_matched(events_cte, step) -%}
    {{ events_cte }}.event_type = '{{ dbt.escape_single_quotes(step.event_type) }}'
    {%- if step.page is not none %}
        and {{ events_cte }}.page = '{{ dbt.escape_single_quotes(step.page) }}'
    {%- endif %}
    {%- if step.product_category is not none %}
        and {{ events_cte }}.product_category = '{{ dbt.escape_single_quotes(step.product_category) }}'
    {%- endif %}
{%- endmacro %}
