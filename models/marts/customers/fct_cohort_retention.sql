{#-
    Exact-month retention by cohort: customers grouped by the calendar month
    of their first session; for each month since then (0 up to the last month
    with data), how many of them had a session in exactly that month.
-#}
with

customers as (
    select * from {{ ref('dim_customers') }}
    where first_session_at is not null
),

sessions as (
    select * from {{ ref('fct_sessions') }}
),

cohorts_assigned as (
    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'first_session_at') }} as date) as cohort_month
    from customers
),

last_data_month as (
    {#- The last month any session (identified or anonymous) was seen in. #}
    select cast({{ dbt.date_trunc('month', 'max(session_start_at)') }} as date) as last_month
    from sessions
),

cohort_sizes as (
    select
        cohorts_assigned.cohort_month,
        cast(count(*) as {{ dbt.type_bigint() }}) as n_cohort_customers,
        cast(
            {{ dbt.datediff(
                'cohorts_assigned.cohort_month', 'last_data_month.last_month', 'month'
            ) }}
            as {{ dbt.type_int() }}
        ) as last_month_offset
    from cohorts_assigned
    cross join last_data_month
    group by cohorts_assigned.cohort_month, last_data_month.last_month
),

customer_active_months as (
    select distinct
        cohorts_assigned.customer_id,
        cohorts_assigned.cohort_month,
        cast({{ dbt.date_trunc('month', 'sessions.session_start_at') }} as date) as activity_month
    from sessions
    inner join cohorts_assigned
        on sessions.customer_id = cohorts_assigned.customer_id
),

active_customers_counted as (
    select
        cohort_month,
        cast(
            {{ dbt.datediff('cohort_month', 'activity_month', 'month') }}
            as {{ dbt.type_int() }}
        ) as months_since_first_session,
        cast(count(*) as {{ dbt.type_bigint() }}) as n_active_customers
    from customer_active_months
    group by cohort_month, activity_month
),

month_offsets as (
    {#- 0..3599: the contract's years 1900-2199 span 3,600 months. #}
    select cast(generated_number - 1 as {{ dbt.type_int() }}) as months_since_first_session
    from ({{ dbt.generate_series(3600) }}) as month_series
),

cohort_months_spined as (
    select
        cohort_sizes.cohort_month,
        cohort_sizes.n_cohort_customers,
        month_offsets.months_since_first_session
    from cohort_sizes
    inner join month_offsets
        on cohort_sizes.last_month_offset >= month_offsets.months_since_first_session
),

final as (
    select
        cohort_months_spined.cohort_month,
        cohort_months_spined.months_since_first_session,
        cast({{ dbt.dateadd(
            'month',
            'cohort_months_spined.months_since_first_session',
            'cohort_months_spined.cohort_month'
        ) }} as date) as activity_month,
        cohort_months_spined.n_cohort_customers,
        coalesce(active_customers_counted.n_active_customers, 0) as n_active_customers,
        cast(coalesce(active_customers_counted.n_active_customers, 0) as {{ dbt.type_float() }})
        / cohort_months_spined.n_cohort_customers as retention_rate
    from cohort_months_spined
    left join active_customers_counted
        on cohort_months_spined.cohort_month = active_customers_counted.cohort_month
            and cohort_months_spined.months_since_first_session
            = active_customers_counted.months_since_first_session
)

select * from final
