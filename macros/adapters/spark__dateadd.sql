{#-
    dbt.dateadd() on Spark with timestampadd (Spark 3.3+). dbt-spark's own
    dateadd goes through to_unix_timestamp, which keeps whole seconds only:
    '2024-01-01T10:00:00.250+01:00' would parse to 09:00:00 instead of
    09:00:00.25, and a session's duration or event order could differ from
    DuckDB and Postgres. timestampadd keeps microseconds, returns NULL for
    NULL, and counts days and months in the session time zone (UTC, see the
    profile) as the other targets do.
-#}
{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    {%- set units = {
        'year': 'year', 'quarter': 'quarter', 'month': 'month', 'week': 'week',
        'day': 'day', 'hour': 'hour', 'minute': 'minute', 'second': 'second',
        'millisecond': 'millisecond', 'microsecond': 'microsecond',
    } -%}
    {%- if datepart | lower not in units -%}
        {{ exceptions.raise_compiler_error(
            "dateadd on Spark: unknown datepart '" ~ datepart ~ "'") }}
    {%- endif -%}
    timestampadd(
        {{ units[datepart | lower] }},
        cast({{ interval }} as bigint),
        {{ from_date_or_timestamp }}
    )
{%- endmacro %}
