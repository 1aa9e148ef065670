{#-
    One row per raw session row, cleaned and typed, with its rejection_reason
    (NULL = accepted). Unknown device or country become 'unknown'; the
    traffic source is kept as given (trimmed, lower case; 'unknown' when
    missing) and grouped into channels downstream (int_traffic_sources_grouped);
    an empty customer_id is an anonymous visitor.

    Incremental (see macros/incremental/): a run restages the
    raw rows of the changed sessions; the duplicate rules compare rows of one
    session_id, so they are all there.
-#}
{{ config(
    materialized=session_materialization(),
    pre_hook="{{ delete_changed_sessions() }}"
) }}
-- depends_on: {{ ref('base_sessions_changed') }}
with

source as (
    select * from {{ shop_source('sessions') }}
    where {{ in_changed_sessions(session_key(clean_text('session_id'))) }}
),

cleaned as (
    select
        {{ raw_record([
            'session_id', 'customer_id', 'session_start_at',
            'device', 'traffic_source', 'country',
        ]) }}
            as raw_record,

        -- ids
        {{ clean_text('session_id') }} as session_id,
        {{ clean_text('customer_id') }} as customer_id,

        -- categories
        {{ to_enum(clean_text('device'), var('customer_behaviour__devices')) }} as device,
        coalesce(lower({{ clean_text('traffic_source') }}), 'unknown') as traffic_source,
        {{ to_country_code(clean_text('country')) }} as country,

        -- timestamps, still text
        {{ clean_text('session_start_at') }} as session_start_at_text

    from source
    {{ evaluate_once() }}
),

typed as (
    select
        *,
        {{ parse_iso_timestamp('session_start_at_text') }} as session_start_at
    from cleaned
    {{ evaluate_once() }}
),

row_checked as (
    select
        *,
        case
            when session_id is null then 'missing_session_id'
            when session_start_at_text is null then 'missing_session_start_at'
            when session_start_at is null then 'invalid_session_start_at'
        end as row_issue
    from typed
),

{{ quarantine_duplicates(
    'row_checked',
    ['session_id', 'customer_id', 'session_start_at', 'device', 'traffic_source', 'country'],
    key_column='session_id',
    earliest_column='session_start_at'
) }},

final as (
    select
        staged_row_id,
        session_id,
        customer_id,
        session_start_at,
        device,
        traffic_source,
        country,
        rejection_reason,
        rejection_reason is null as is_accepted,
        coalesce(session_id, '(missing)') as record_key,
        raw_record
    from deduplicated
)

select * from final
