{#-
    Every named funnel (macro named_funnels: `default`, the funnel of
    customer_behaviour__funnel_steps, then each funnel of the variable
    customer_behaviour__funnels) in long format, at session and at customer
    level (funnel_level): one row per funnel, level, breakdown (overall,
    then each column of customer_behaviour__funnel_segments; a customer's is
    that of their first session) and step. The `default` rows equal
    fct_funnel's sessions and fct_funnel_customers' customers (data test
    assert_default_named_funnel_matches_fct_funnel). Doc block named_funnels.

    A unit whose window is still open at the end of the data (is_open of
    int_named_funnels_evaluated) and that has not completed the funnel is in
    progress at its next step (in_progress_units), not a drop-off; the
    closed_ columns count the units whose window has closed, as in fct_funnel
    (macro funnel_in_progress_joined, doc block funnel_in_progress).
-#}
{%- set funnels = named_funnels() -%}
{%- set group_columns = ['funnel_name', 'funnel_level', 'segment_type', 'segment_value'] -%}
with

funnel_units as (
    select * from {{ ref('int_named_funnels_evaluated') }}
),

sessions as (
    select * from {{ ref('fct_sessions') }}
),

funnels_levels as (
    {%- for funnel in funnels %}
        {%- set outer = loop %}
        {%- for level in ['session', 'customer'] %}
            select
                cast('{{ funnel.name }}' as {{ dbt.type_string() }}) as funnel_name,
                cast('{{ level }}' as {{ dbt.type_string() }}) as funnel_level
            {%- if not (outer.last and loop.last) %}
                union all
            {%- endif %}
        {%- endfor %}
    {%- endfor %}
),

units_described as (
    select
        {% for segment in var('customer_behaviour__funnel_segments') -%}
            sessions.{{ segment }},
        {% endfor -%}
        funnel_units.funnel_name,
        funnel_units.funnel_level,
        funnel_units.unit_id,
        funnel_units.funnel_step_reached,
        funnel_units.is_open
    from funnel_units
    inner join sessions
        on funnel_units.segment_session_id = sessions.session_id
),

unit_segments as (
    {{ segments_unpivoted(
        'units_described',
        ['funnel_name', 'funnel_level', 'unit_id', 'funnel_step_reached', 'is_open']
    ) }}
),

units_by_step_reached as (
    select
        funnel_name,
        funnel_level,
        segment_type,
        segment_value,
        funnel_step_reached,
        is_open,
        count(*) as n_units
    from unit_segments
    group by
        funnel_name, funnel_level, segment_type, segment_value, funnel_step_reached, is_open
),

segments as (
    select
        funnel_name,
        funnel_level,
        segment_type,
        segment_value,
        sum(n_units) as segment_units,
        sum(case when is_open then 0 else n_units end) as segment_closed_units
    from units_by_step_reached
    group by funnel_name, funnel_level, segment_type, segment_value
    union all
    {#- Every funnel exists at both levels even without units. #}
    select
        funnels_levels.funnel_name,
        funnels_levels.funnel_level,
        'overall' as segment_type,
        'all' as segment_value,
        0 as segment_units,
        0 as segment_closed_units
    from funnels_levels
    where not exists (
            select 1 from funnel_units
            where funnel_units.funnel_name = funnels_levels.funnel_name
                and funnel_units.funnel_level = funnels_levels.funnel_level
        )
),

{%- for funnel in funnels %}

    funnel_{{ loop.index }}_steps as (
        {{ funnel_step_rows(funnel.steps | map(attribute='step_name') | list) }}
    ),

    funnel_{{ loop.index }}_segments as (
        select * from segments
        where funnel_name = '{{ funnel.name }}'
    ),

    funnel_{{ loop.index }}_reached as (
        select * from units_by_step_reached
        where funnel_name = '{{ funnel.name }}'
    ),

    funnel_{{ loop.index }}_closed_reached as (
        select * from funnel_{{ loop.index }}_reached
        where not is_open
    ),

    funnel_{{ loop.index }}_all_counted as (
    {{ funnel_steps_counted(
        'funnel_' ~ loop.index ~ '_segments', 'funnel_' ~ loop.index ~ '_reached',
        group_columns, total_column='segment_units', reached_count_column='n_units',
        count_column='reaching_units', steps='funnel_' ~ loop.index ~ '_steps'
    ) }}
    ),

    funnel_{{ loop.index }}_closed_counted as (
    {{ funnel_steps_counted(
        'funnel_' ~ loop.index ~ '_segments', 'funnel_' ~ loop.index ~ '_closed_reached',
        group_columns, total_column='segment_closed_units', reached_count_column='n_units',
        count_column='closed_units', steps='funnel_' ~ loop.index ~ '_steps'
    ) }}
    ),

    funnel_{{ loop.index }}_counted as (
    {{ funnel_in_progress_joined(
        'funnel_' ~ loop.index ~ '_all_counted', 'funnel_' ~ loop.index ~ '_closed_counted',
        'funnel_' ~ loop.index ~ '_reached', group_columns, 'units', funnel.steps | length,
        count_column='reaching_units'
    ) }}
    ),
{%- endfor %}

steps_counted as (
    {%- for funnel in funnels %}
        select * from funnel_{{ loop.index }}_counted
        {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

final as (
    select
        funnel_name,
        funnel_level,
        segment_type,
        segment_value,
        step_number,
        step_name,
        segment_units,
        cast(
            coalesce(
                lag(reaching_units) over (
                    partition by funnel_name, funnel_level, segment_type, segment_value
                    order by step_number
                ),
                segment_units
            ) as {{ dbt.type_bigint() }}
        ) as entering_units,
        reaching_units,
        {{ funnel_step_rates('reaching_units', group_columns) }},
        in_progress_units,
        segment_closed_units,
        closed_units,
        {{ funnel_step_rates('closed_units', group_columns, 'closed_') }}
    from steps_counted
)

select * from final
