{#-
    The record of the last complete run: the input fingerprint of every
    session as it was when the session-keyed models were last brought up to
    date (empty where the change list reads load batches instead; the
    batches processed are in int_load_batches_processed). Built after all of them (the depends_on lines below), so a run that
    fails or is killed before the end leaves the previous record, and the
    next run recomputes the same sessions again.
-#}
-- depends_on: {{ ref('stg_shop__sessions') }}
-- depends_on: {{ ref('stg_shop__events') }}
-- depends_on: {{ ref('int_events_validated') }}
-- depends_on: {{ ref('int_events_sequenced') }}
-- depends_on: {{ ref('int_sessions_events_aggregated') }}
-- depends_on: {{ ref('int_sessions_funnel_evaluated') }}
-- depends_on: {{ ref('int_session_steps_collapsed') }}
-- depends_on: {{ ref('int_sessions_measured') }}
with

current_fingerprints as (
    select * from {{ ref('base_session_fingerprints') }}
)

select
    session_key,
    input_fingerprint,
    raw_row_count
from current_fingerprints
