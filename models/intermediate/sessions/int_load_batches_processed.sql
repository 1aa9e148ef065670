{#-
    The record of the last complete run: the load batches it processed (the
    batches of base_load_batches, listed at its start) and the settings it ran
    under. Built after every session-keyed model and after the fingerprint
    record (the depends_on lines below), so a run that fails or is killed
    before the end leaves the previous record, and the next run reads the same
    batches again. Read through the graph, not ref(), by base_load_batches and
    the macros session_configuration_changed and session_inputs_replaced.
-#}
-- depends_on: {{ ref('stg_shop__sessions') }}
-- depends_on: {{ ref('stg_shop__events') }}
-- depends_on: {{ ref('int_events_validated') }}
-- depends_on: {{ ref('int_events_sequenced') }}
-- depends_on: {{ ref('int_sessions_events_aggregated') }}
-- depends_on: {{ ref('int_sessions_funnel_evaluated') }}
-- depends_on: {{ ref('int_session_steps_collapsed') }}
-- depends_on: {{ ref('int_path_steps_collapsed') }}
-- depends_on: {{ ref('int_sessions_measured') }}
-- depends_on: {{ ref('int_session_inputs_processed') }}
with

batches_read as (
    select * from {{ ref('base_load_batches') }}
),

final as (
    select
        load_id,
        loaded_at,
        load_mode,
        -- The settings these batches were computed under (macro should_full_refresh).
        '{{ session_configuration_hash() }}' as configuration_hash
    from batches_read
)

select * from final
