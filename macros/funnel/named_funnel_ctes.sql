{#-
    One named funnel (an entry of named_funnels()) evaluated per unit: emits
    CTEs named <prefix>_... and a final CTE `<prefix>_evaluated` with, per
    unit_id that reached step 1, funnel_step_reached (1..steps) and
    step_<k>_at (when step k was reached; NULL past funnel_step_reached).
    The rules (doc block named_funnels):

        sequential  step 1 at the unit's first event of step 1; step k at
                    the first event of step k at or after step k-1 was
                    reached (ordered_funnel_ctes' rule, ties included)
        strict      every event of step 1 starts an attempt; step k is the
                    event right after step k-1's in the unit's event_sequence;
                    the attempt that goes furthest counts (the earliest of
                    those that go equally far)
        any         step k is reached when the unit has done k of the steps
                    (each at its first event), at the k-th of those moments

    A step's max_seconds_from_previous and the conversion window (from step
    1) bound when it may be reached, both ends included. An excluded event
    strictly after step k and strictly before step k+1 was reached stops the
    unit at step k.

    `events_cte` has unit_id, event_at, event_sequence (the unit's event
    order, 1-based without gaps), event_type, page and product_category.
-#}
{% macro named_funnel_ctes(events_cte, funnel, prefix) -%}
{%- set steps = funnel.steps -%}
{%- set window = funnel.conversion_window_seconds -%}
{%- if funnel.order == 'sequential' %}
{%- for step in steps %}
{{ prefix }}_step_{{ loop.index }} as (
    select
        {{ events_cte }}.unit_id,
        min({{ events_cte }}.event_at) as reached_at
    from {{ events_cte }}
    {%- if not loop.first %}
    inner join {{ prefix }}_step_{{ loop.index0 }} as previous_step
        on {{ events_cte }}.unit_id = previous_step.unit_id
        and {{ events_cte }}.event_at >= previous_step.reached_at
        {%- if step.max_seconds_from_previous is not none %}
        and {{ events_cte }}.event_at
            <= {{ dbt.dateadd('second', step.max_seconds_from_previous, 'previous_step.reached_at') }}
        {%- endif %}
    {%- if window is not none %}
    inner join {{ prefix }}_step_1 as first_step
        on {{ events_cte }}.unit_id = first_step.unit_id
        and {{ events_cte }}.event_at <= {{ dbt.dateadd('second', window, 'first_step.reached_at') }}
    {%- endif %}
    {%- endif %}
    where {{ named_funnel_step_matched(events_cte, step) }}
    group by {{ events_cte }}.unit_id
),
{% endfor %}
{{ prefix }}_timed as (
    select
        {{ prefix }}_step_1.unit_id,
        {%- for step in steps %}
        {{ prefix }}_step_{{ loop.index }}.reached_at as step_{{ loop.index }}_at,
        {%- endfor %}
        case
            {%- for step in steps | reverse %}
            when {{ prefix }}_step_{{ steps | length - loop.index0 }}.reached_at is not null
                then {{ steps | length - loop.index0 }}
            {%- endfor %}
        end as steps_done
    from {{ prefix }}_step_1
    {%- for step in steps[1:] %}
    left join {{ prefix }}_step_{{ loop.index + 1 }}
        on {{ prefix }}_step_1.unit_id = {{ prefix }}_step_{{ loop.index + 1 }}.unit_id
    {%- endfor %}
),
{%- elif funnel.order == 'strict' %}
{%- for step in steps %}
{{ prefix }}_attempt_{{ loop.index }} as (
    select
        {%- if loop.first %}
        {{ events_cte }}.unit_id,
        {{ events_cte }}.event_sequence as start_sequence,
        {%- else %}
        previous_step.unit_id,
        previous_step.start_sequence,
        {%- endif %}
        {{ events_cte }}.event_sequence as reached_sequence,
        {%- if not loop.first %}
        previous_step.started_at,
        {%- endif %}
        {{ events_cte }}.event_at as {{ 'started_at' if loop.first else 'reached_at' }}
    from {{ events_cte }}
    {%- if not loop.first %}
    inner join {{ prefix }}_attempt_{{ loop.index0 }} as previous_step
        on {{ events_cte }}.unit_id = previous_step.unit_id
        and {{ events_cte }}.event_sequence = previous_step.reached_sequence + 1
        {%- if step.max_seconds_from_previous is not none %}
        and {{ events_cte }}.event_at <= {{ dbt.dateadd(
            'second', step.max_seconds_from_previous,
            'previous_step.' ~ ('started_at' if loop.index0 == 1 else 'reached_at')
        ) }}
        {%- endif %}
        {%- if window is not none %}
        and {{ events_cte }}.event_at <= {{ dbt.dateadd('second', window, 'previous_step.started_at') }}
        {%- endif %}
    {%- endif %}
    where {{ named_funnel_step_matched(events_cte, step) }}
),
{% endfor %}
{{ prefix }}_attempts_joined as (
    select
        {{ prefix }}_attempt_1.unit_id,
        {{ prefix }}_attempt_1.start_sequence,
        {{ prefix }}_attempt_1.started_at as step_1_at,
        {%- for step in steps[1:] %}
        {{ prefix }}_attempt_{{ loop.index + 1 }}.reached_at as step_{{ loop.index + 1 }}_at,
        {%- endfor %}
        case
            {%- for step in steps | reverse %}
            when {{ prefix }}_attempt_{{ steps | length - loop.index0 }}.unit_id is not null
                then {{ steps | length - loop.index0 }}
            {%- endfor %}
        end as steps_done
    from {{ prefix }}_attempt_1
    {%- for step in steps[1:] %}
    left join {{ prefix }}_attempt_{{ loop.index + 1 }}
        on {{ prefix }}_attempt_1.unit_id = {{ prefix }}_attempt_{{ loop.index + 1 }}.unit_id
        and {{ prefix }}_attempt_1.start_sequence
            = {{ prefix }}_attempt_{{ loop.index + 1 }}.start_sequence
    {%- endfor %}
),

{{ prefix }}_attempts_ranked as (
    select
        {{ prefix }}_attempts_joined.*,
        row_number() over (
            partition by unit_id
            order by steps_done desc, start_sequence
        ) as attempt_rank
    from {{ prefix }}_attempts_joined
),

{{ prefix }}_timed as (
    select
        unit_id,
        {%- for step in steps %}
        step_{{ loop.index }}_at,
        {%- endfor %}
        steps_done
    from {{ prefix }}_attempts_ranked
    where attempt_rank = 1
),
{%- else %}
{{ prefix }}_steps_done as (
    {%- for step in steps %}
    select
        {{ events_cte }}.unit_id,
        {{ loop.index }} as step_index,
        min({{ events_cte }}.event_at) as done_at
    from {{ events_cte }}
    where {{ named_funnel_step_matched(events_cte, step) }}
    group by {{ events_cte }}.unit_id
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

{{ prefix }}_started as (
    select
        unit_id,
        min(done_at) as started_at
    from {{ prefix }}_steps_done
    group by unit_id
),

{{ prefix }}_steps_ranked as (
    select
        {{ prefix }}_steps_done.unit_id,
        {{ prefix }}_steps_done.done_at,
        row_number() over (
            partition by {{ prefix }}_steps_done.unit_id
            order by {{ prefix }}_steps_done.done_at, {{ prefix }}_steps_done.step_index
        ) as step_number
    from {{ prefix }}_steps_done
    {%- if window is not none %}
    inner join {{ prefix }}_started
        on {{ prefix }}_steps_done.unit_id = {{ prefix }}_started.unit_id
    where {{ prefix }}_steps_done.done_at
        <= {{ dbt.dateadd('second', window, prefix ~ '_started.started_at') }}
    {%- endif %}
),

{{ prefix }}_timed as (
    select
        unit_id,
        {%- for step in steps %}
        max(case when step_number = {{ loop.index }} then done_at end) as step_{{ loop.index }}_at,
        {%- endfor %}
        max(step_number) as steps_done
    from {{ prefix }}_steps_ranked
    group by unit_id
),
{%- endif %}

{{ prefix }}_excluded as (
    {%- if funnel.exclusions %}
    {#- The first step after which an excluded event came (NULL: none did). #}
    select
        {{ prefix }}_timed.unit_id,
        min(
            case
                {%- for step in steps[:-1] %}
                when {{ events_cte }}.event_at > {{ prefix }}_timed.step_{{ loop.index }}_at
                    and {{ events_cte }}.event_at < {{ prefix }}_timed.step_{{ loop.index + 1 }}_at
                    then {{ loop.index }}
                {%- endfor %}
            end
        ) as stopped_at_step
    from {{ prefix }}_timed
    inner join {{ events_cte }}
        on {{ prefix }}_timed.unit_id = {{ events_cte }}.unit_id
    where {{ events_cte }}.event_type in (
        {%- for excluded in funnel.exclusions -%}
        '{{ dbt.escape_single_quotes(excluded) }}'{{ ', ' if not loop.last }}
        {%- endfor -%}
    )
    group by {{ prefix }}_timed.unit_id
    {%- else %}
    select
        unit_id,
        cast(null as {{ dbt.type_int() }}) as stopped_at_step
    from {{ prefix }}_timed
    where false
    {%- endif %}
),

{{ prefix }}_reached as (
    select
        {{ prefix }}_timed.*,
        case
            when {{ prefix }}_excluded.stopped_at_step < {{ prefix }}_timed.steps_done
                then {{ prefix }}_excluded.stopped_at_step
            else {{ prefix }}_timed.steps_done
        end as funnel_step_reached
    from {{ prefix }}_timed
    left join {{ prefix }}_excluded
        on {{ prefix }}_timed.unit_id = {{ prefix }}_excluded.unit_id
),

{{ prefix }}_evaluated as (
    select
        unit_id,
        funnel_step_reached,
        {%- for step in steps %}
        case when funnel_step_reached >= {{ loop.index }} then step_{{ loop.index }}_at end
            as step_{{ loop.index }}_at{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ prefix }}_reached
)
{%- endmacro %}
