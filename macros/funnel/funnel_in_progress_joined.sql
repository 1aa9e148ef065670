{#-
    The counts per step of a long-format funnel over every unit and over the
    closed units side by side, with the units in progress at each step: an
    open unit (is_open) that reached step k - 1 and has not completed the
    funnel (k - 1 < step_count) is still on its way to step k (doc block
    funnel_in_progress). The one rule of fct_funnel, fct_funnel_customers and
    fct_named_funnels. Emits the body of a CTE with `group_columns`,
    step_number, step_name, segment_<unit>, `count_column`,
    segment_closed_<unit>, closed_<unit> and in_progress_<unit> (bigint).

        counted         funnel_steps_counted() over every unit (segment_<unit>,
                        `count_column`)
        closed_counted  funnel_steps_counted() over the closed units
                        (segment_closed_<unit>, closed_<unit>)
        reached         relation with group_columns, funnel_step_reached,
                        is_open and n_<unit> (units per furthest step)
        unit            the plural noun of the columns (sessions, customers, units)
        step_count      the number of steps of the funnel
-#}
{% macro funnel_in_progress_joined(
    counted, closed_counted, reached, group_columns, unit, step_count, count_column=none
) -%}
{%- set count_column = count_column if count_column is not none else unit -%}
    select
        {% for column in group_columns -%}
            {{ counted }}.{{ column }},
        {% endfor -%}
        {{ counted }}.step_number,
        {{ counted }}.step_name,
        {{ counted }}.segment_{{ unit }},
        {{ counted }}.{{ count_column }},
        {{ closed_counted }}.segment_closed_{{ unit }},
        {{ closed_counted }}.closed_{{ unit }},
        cast(coalesce(in_progress_by_step.in_progress_{{ unit }}, 0) as {{ dbt.type_bigint() }})
            as in_progress_{{ unit }}
    from {{ counted }}
    inner join {{ closed_counted }}
        on
            {% for column in group_columns -%}
                {{ counted }}.{{ column }} = {{ closed_counted }}.{{ column }}
                and {% endfor -%}
            {{ counted }}.step_number = {{ closed_counted }}.step_number
    left join (
        select
            {% for column in group_columns -%}
                {{ column }},
            {% endfor -%}
            funnel_step_reached + 1 as step_number,
            n_{{ unit }} as in_progress_{{ unit }}
        from {{ reached }}
        where is_open
            and funnel_step_reached < {{ step_count }}
    ) as in_progress_by_step
        on
            {% for column in group_columns -%}
                {{ counted }}.{{ column }} = in_progress_by_step.{{ column }}
                and {% endfor -%}
            {{ counted }}.step_number = in_progress_by_step.step_number
{%- endmacro %}
