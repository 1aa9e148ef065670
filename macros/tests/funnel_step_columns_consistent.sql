{#-
    Generic test for the per-step columns of the configured funnel (doc block
    funnel_step_columns), whatever customer_behaviour__funnel_steps holds:
    fails for rows where a step count is missing or negative, or event_count
    is not the step counts plus other_event_count. With `flags`, also where
    has_<stem> is not (<stem>_count > 0) or is_bounce is not (a single event
    of the first step). Written as a test of its own because the column
    names depend on the variable, so they cannot be spelled out in YAML.
-#}
{% test funnel_step_columns_consistent(model, flags=false) %}
{%- set stems = funnel_step_stems() -%}
select *
from {{ model }}
where
    {%- for stem in stems %}
    {{ stem }}_count is null or {{ stem }}_count < 0 or
    {%- if flags %}
    has_{{ stem }} is null or has_{{ stem }} <> ({{ stem }}_count > 0) or
    {%- endif %}
    {%- endfor %}
    {%- if flags %}
    is_bounce is null
    or is_bounce <> (event_count = 1 and {{ stems[0] }}_count = 1) or
    {%- endif %}
    event_count <> {% for stem in stems %}{{ stem }}_count + {% endfor %}other_event_count
{% endtest %}
