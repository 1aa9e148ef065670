{#-
    One row per session that reached at least the first funnel step, with the
    moment each ordered step was first reached (see the ordered_funnel_ctes
    macro and the `funnel` doc block).
-#}
with

sequenced_events as (
    select * from {{ ref('int_events_sequenced') }}
),

{{ ordered_funnel_ctes('sequenced_events', var('customer_behaviour__funnel_steps')) }}

select * from funnel_steps_reached
