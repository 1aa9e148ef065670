{#-
    The count per funnel step of a long-format funnel, from a count of units
    (sessions, customers) per furthest step reached: a unit that reached step
    k counts at every step 1..k (funnels are ordered). Emits the body of a
    CTE with `group_columns`, step_number, step_name, `total_column` and
    `count_column` (bigint), one row per group and step, counts of 0
    included.

        groups         relation with one row per group: group_columns and
                       total_column (all units of the group)
        reached        relation with group_columns, funnel_step_reached and
                       reached_count_column (units per furthest step)
        steps          relation of funnel_step_rows()
-#}
{% macro funnel_steps_counted(
    groups, reached, group_columns, total_column, reached_count_column, count_column,
    steps='funnel_steps'
) -%}
    select
        {% for column in group_columns -%}
            {{ groups }}.{{ column }},
        {% endfor -%}
        {{ steps }}.step_number,
        {{ steps }}.step_name,
        cast({{ groups }}.{{ total_column }} as {{ dbt.type_bigint() }}) as {{ total_column }},
        cast(
            coalesce(sum({{ reached }}.{{ reached_count_column }}), 0) as {{ dbt.type_bigint() }}
        ) as {{ count_column }}
    from {{ groups }}
    cross join {{ steps }}
    left join {{ reached }}
        on
            {% for column in group_columns -%}
                {{ groups }}.{{ column }} = {{ reached }}.{{ column }}
                and {% endfor -%}
            {{ steps }}.step_number <= {{ reached }}.funnel_step_reached
    group by
        {% for column in group_columns -%}
            {{ groups }}.{{ column }},
        {% endfor -%}
        {{ steps }}.step_number,
        {{ steps }}.step_name,
        {{ groups }}.{{ total_column }}
{%- endmacro %}
