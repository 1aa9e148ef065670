{#-
    One row per raw event row. Cleans and types every column, gives each row
    its rejection_reason (NULL = accepted) from the row checks and the
    duplicate rules of docs/data_contract.md. References to sessions are
    checked later, in int_events_validated (staging has no joins).

    Incremental (see macros/incremental/): a run restages the
    raw rows of the changed sessions, together with every raw row sharing an
    event_id with them, because the duplicate rules compare all rows of an
    event_id; it keeps the rows of the changed sessions.
-#}
{{ config(
    materialized=session_materialization(),
    pre_hook="{{ delete_changed_sessions() }}"
) }}
-- depends_on: {{ ref('base_sessions_changed') }}
with

raw_events as (
    select * from {{ shop_source('events') }}
),

-- Read by incremental runs only (below); an unread CTE is never executed.
restaged_event_ids as (  -- noqa: ST03
    select distinct {{ clean_text('event_id') }} as event_id
    from raw_events
    where {{ in_changed_sessions(session_key(clean_text('session_id'))) }}
),

source as (
    select *
    from raw_events
    {#- A full build stages every row: no change list to widen (the engines do
        not drop an always-true `or ... in (...)` by themselves, and DuckDB
        built the join anyway). #}
    {%- if is_incremental() %}
        where {{ in_changed_sessions(session_key(clean_text('session_id'))) }}
            or {{ clean_text('event_id') }} in (
                select restaged_event_ids.event_id from restaged_event_ids
            )
    {%- endif %}
),

cleaned as (
    select
        {{ raw_record(['event_id', 'session_id', 'event_at', 'event_type', 'page', 'product_id']) }}
            as raw_record,

        -- ids
        {{ clean_text('event_id') }} as event_id,
        {{ clean_text('session_id') }} as session_id,
        {{ clean_text('product_id') }} as product_id,

        -- strings
        lower({{ clean_text('event_type') }}) as event_type,
        lower({{ clean_text('page') }}) as page,

        -- timestamps, still text
        {{ clean_text('event_at') }} as event_at_text

    from source
    {{ evaluate_once() }}
),

typed as (
    select
        *,
        {{ parse_iso_timestamp('event_at_text') }} as event_at
    from cleaned
    {{ evaluate_once() }}
),

row_checked as (
    select
        *,
        case
            when event_id is null then 'missing_event_id'
            when session_id is null then 'missing_session_id'
            when event_at_text is null then 'missing_event_at'
            when event_at is null then 'invalid_event_at'
            when event_type is null then 'missing_event_type'
        end as row_issue
    from typed
),

{{ quarantine_duplicates(
    'row_checked',
    ['event_id', 'session_id', 'event_at', 'event_type', 'page', 'product_id'],
    key_column='event_id',
    earliest_column='event_at'
) }},

final as (
    select
        staged_row_id,
        event_id,
        session_id,
        event_at,
        event_type,
        page,
        product_id,
        rejection_reason,
        rejection_reason is null as is_accepted,
        coalesce(event_id, '(missing)') as record_key,
        raw_record
    from deduplicated
    where {{ in_changed_sessions(session_key('session_id')) }}
)

select * from final
