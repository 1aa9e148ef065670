{#-
    One row per raw customer row, cleaned and typed, with its rejection_reason
    (NULL = accepted). The e-mail address never leaves this model: it becomes
    its HMAC-SHA256 under a secret key (macro email_hash), also inside the
    raw_record kept for quarantine.

    A table, unlike the other staging models: a view would store the SQL, and
    with it the key's HMAC pads, in the catalog, where PostgreSQL shows every
    view's definition (pg_views) to every role, `reporting` included.
-#}
{{ config(materialized='table') }}

with

source as (
    select * from {{ shop_source('customers') }}
),

cleaned as (
    select
        -- ids
        {{ clean_text('customer_id') }} as customer_id,

        -- categories
        {{ to_country_code(clean_text('country')) }} as country,

        -- personal data, hashed
        case
            when {{ clean_text('email') }} is not null
                then {{ email_hash('lower(' ~ clean_text('email') ~ ')') }}
        end as email_hash,

        -- timestamps, still text
        {{ clean_text('signup_at') }} as signup_at_text,

        -- raw columns other than the e-mail, for the raw record
        customer_id as raw_customer_id,
        signup_at as raw_signup_at,
        country as raw_country

    from source
    {{ evaluate_once() }}
),

typed as (
    select
        *,
        {{ parse_iso_timestamp('signup_at_text') }} as signup_at,
        {{ raw_record(
            ['raw_customer_id', 'raw_signup_at', 'raw_country', 'email_hash'],
            labels=['customer_id', 'signup_at', 'country', 'email_hash']
        ) }}
            as raw_record
    from cleaned
    {{ evaluate_once() }}
),

row_checked as (
    select
        *,
        case
            when customer_id is null then 'missing_customer_id'
            when signup_at_text is null then 'missing_signup_at'
            when signup_at is null then 'invalid_signup_at'
        end as row_issue
    from typed
),

{{ quarantine_duplicates(
    'row_checked',
    ['customer_id', 'signup_at', 'country', 'email_hash'],
    key_column='customer_id',
    earliest_column='signup_at'
) }},

final as (
    select
        staged_row_id,
        customer_id,
        signup_at,
        country,
        email_hash,
        rejection_reason,
        rejection_reason is null as is_accepted,
        coalesce(customer_id, '(missing)') as record_key,
        raw_record
    from deduplicated
)

select * from final
