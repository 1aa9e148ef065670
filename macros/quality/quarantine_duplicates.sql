{#-
    CTEs that apply the last row check and steps 2 and 3 of the contract to
    `from_cte` (which has the cleaned `value_columns`, `raw_record` and
    `row_issue`) and end in a CTE named `deduplicated` with:
      staged_row_id     stable unique id of the raw row
      rejection_reason  row_issue, 'oversized_<column>', 'duplicate_row',
                        'conflicting_duplicate' or NULL
    A cleaned value longer than customer_behaviour__max_text_length
    characters rejects its row (the first such column names the reason): it
    is not data anyone can use, and on PostgreSQL a key that long cannot go
    into the marts' indexes (a B-tree entry holds at most 2,704 bytes).
    Exact copies (equal cleaned values, among rows that passed the row
    checks) keep one row; of rows sharing `key_column` with different values,
    the earliest `earliest_column` wins, ties broken by the record hash.

    Speed: the three numberings below are window functions, each a sort of
    its input. Every row they compare shares the cleaned `key_column` (or,
    without one, the first value column): identical raw rows clean to the same
    values, and exact copies and conflicting duplicates share the key. So a
    row whose key occurs once (almost every row of a real export) is its own
    copy 1 and no one's duplicate; only rows with a repeated or missing key
    go through the sorts. One hash aggregate finds those keys. On the 1M
    session benchmark this took stg_shop__events from three sorts of 5.7M
    wide rows to one GROUP BY of the ids (docs/scale.md).
-#}
{% macro quarantine_duplicates(from_cte, value_columns, key_column=none, earliest_column=none) -%}
{%- set max_length = var('customer_behaviour__max_text_length') | int -%}
{%- set split_column = key_column if key_column is not none else value_columns[0] -%}
oversize_checked as (
    select
        *,
        coalesce(
            row_issue,
            case
                {%- for column in value_columns %}
                when length(cast({{ column }} as {{ dbt.type_string() }})) > {{ max_length }}
                    then 'oversized_{{ column }}'
                {%- endfor %}
            end
        ) as row_issue_or_oversized
    from {{ from_cte }}
),

repeated_keys as (
    select {{ split_column }} as repeated_key
    from oversize_checked
    where {{ split_column }} is not null
    group by {{ split_column }}
    having count(*) > 1
),

key_flagged as (
    select
        oversize_checked.*,
        (
            oversize_checked.{{ split_column }} is null
            or repeated_keys.repeated_key is not null
        ) as is_key_shared
    from oversize_checked
    left join repeated_keys
        on oversize_checked.{{ split_column }} = repeated_keys.repeated_key
),

key_shared as (
    select * from key_flagged
    where is_key_shared
),

raw_copies_numbered as (
    select
        *,
        {#- Identical raw rows are indistinguishable: number them so that every
            raw row gets its own id and the kept copy is always copy 1. #}
        row_number() over (
            partition by raw_record
            order by raw_record
        ) as raw_copy_number
    from key_shared
),

copies_numbered as (
    select
        *,
        {{ record_hash(value_columns) }} as record_hash,
        row_number() over (
            partition by row_issue_or_oversized, {{ value_columns | join(', ') }}
            order by {{ dbt.hash('raw_record') }}, raw_copy_number
        ) as copy_number
    from raw_copies_numbered
),

key_shared_ranked as (
    select
        *,
        case
            when row_issue_or_oversized is not null then row_issue_or_oversized
            when copy_number > 1 then 'duplicate_row'
            {%- if key_column is not none %}
            when row_number() over (
                partition by
                    {{ key_column }},
                    case when row_issue_or_oversized is null and copy_number = 1 then 1 else 0 end
                order by {{ earliest_column ~ ", " if earliest_column }}record_hash
            ) > 1 then 'conflicting_duplicate'
            {%- endif %}
        end as rejection_reason
    from copies_numbered
),

key_unique_ranked as (
    select
        *,
        1 as raw_copy_number,
        row_issue_or_oversized as rejection_reason
    from key_flagged
    where not is_key_shared
),

rows_ranked as (
    {#- Named columns: union all matches by position. #}
    select raw_record, raw_copy_number, rejection_reason, {{ value_columns | join(', ') }}
    from key_unique_ranked
    union all
    select raw_record, raw_copy_number, rejection_reason, {{ value_columns | join(', ') }}
    from key_shared_ranked
),

deduplicated as (
    select
        *,
        {{ dbt.hash(dbt.concat(['raw_record', "'#'", 'cast(raw_copy_number as ' ~ dbt.type_string() ~ ')'])) }}
            as staged_row_id
    from rows_ranked
)
{%- endmacro %}
