{#-
    Every staged event row with its final rejection_reason: the staging
    reason, else 'unknown_session' when its session is not an accepted
    session. Downstream models read `where is_accepted`. Incremental by
    session (macros/incremental/).
-#}
{{ config(
    materialized=session_materialization(),
    pre_hook="{{ delete_changed_sessions() }}"
) }}
-- depends_on: {{ ref('base_sessions_changed') }}
with

staged_events as (
    select * from {{ ref('stg_shop__events') }}
    where {{ in_changed_sessions(session_key('session_id')) }}
),

accepted_sessions as (
    select session_id from {{ ref('stg_shop__sessions') }}
    where is_accepted
        and {{ in_changed_sessions(session_key('session_id')) }}
),

reference_checked as (
    select
        staged_events.staged_row_id,
        staged_events.event_id,
        staged_events.session_id,
        staged_events.event_at,
        staged_events.event_type,
        staged_events.page,
        staged_events.product_id,
        case
            when staged_events.rejection_reason is not null then staged_events.rejection_reason
            when accepted_sessions.session_id is null then 'unknown_session'
        end as rejection_reason,
        staged_events.record_key,
        -- Rejected rows only: dq_rejected_rows is its one reader, and on
        -- accepted rows it would copy the widest column of the largest table.
        case
            when staged_events.rejection_reason is not null
                or accepted_sessions.session_id is null
                then staged_events.raw_record
        end as raw_record
    from staged_events
    left join accepted_sessions
        on staged_events.session_id = accepted_sessions.session_id
),

final as (
    select
        *,
        rejection_reason is null as is_accepted
    from reference_checked
)

select * from final
