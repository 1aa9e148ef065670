{#-
    Ordered funnel: emits one CTE per step and a final CTE `name` with, per
    `partition_column` value that reached step 1,

        step_<k>_at          when step k was first reached (NULL if never)
        funnel_step_reached  the last step reached, 1..len(steps)

    Step 1 is reached at the first event of type steps[0]. Step k (k > 1) is
    reached at the first event of type steps[k-1] at or after the moment step
    k-1 was reached: with the default steps, an add_to_cart before the first
    page_view does not count, an add_to_cart in the same second as the
    page_view does. Events are ordered by time only, so rows arriving out of
    order are handled.

    `events_cte` must have columns <partition_column>, event_type, event_at.
    Filter it first to limit the funnel (for example to a conversion window).
    Callers pass funnel_steps() (the variable customer_behaviour__funnel_steps,
    checked), so a different ordered funnel needs no SQL changes.
-#}
{% macro ordered_funnel_ctes(events_cte, steps, partition_column='session_id', name='funnel_steps_reached') -%}
{%- for step in steps %}
funnel_step_{{ loop.index }} as (
    select
        {{ events_cte }}.{{ partition_column }},
        min({{ events_cte }}.event_at) as step_{{ loop.index }}_at
    from {{ events_cte }}
    {%- if not loop.first %}
    inner join funnel_step_{{ loop.index0 }}
        on {{ events_cte }}.{{ partition_column }} = funnel_step_{{ loop.index0 }}.{{ partition_column }}
        and {{ events_cte }}.event_at >= funnel_step_{{ loop.index0 }}.step_{{ loop.index0 }}_at
    {%- endif %}
    where {{ events_cte }}.event_type = '{{ dbt.escape_single_quotes(step) }}'
    group by {{ events_cte }}.{{ partition_column }}
),
{% endfor %}
{{ name }} as (
    select
        funnel_step_1.{{ partition_column }},
        {%- for step in steps %}
        funnel_step_{{ loop.index }}.step_{{ loop.index }}_at,
        {%- endfor %}
        case
            {%- for step in steps | reverse %}
            when funnel_step_{{ steps | length - loop.index0 }}.step_{{ steps | length - loop.index0 }}_at
                is not null then {{ steps | length - loop.index0 }}
            {%- endfor %}
        end as funnel_step_reached
    from funnel_step_1
    {%- for step in steps[1:] %}
    left join funnel_step_{{ loop.index + 1 }}
        on funnel_step_1.{{ partition_column }} = funnel_step_{{ loop.index + 1 }}.{{ partition_column }}
    {%- endfor %}
)
{%- endmacro %}
