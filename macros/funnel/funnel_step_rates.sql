{#-
    The rate columns of a long-format funnel, from a count per step:

        conversion_from_previous  count / count at the previous step (NULL at
                                  step 1 or when the previous count is 0)
        conversion_from_start     count / count at step 1 (NULL when that is 0)
        drop_off_from_previous    1 - conversion_from_previous

    `partition_columns` identify one funnel (e.g. segment_type,
    segment_value); rows are ordered by step_number within it. Emit inside a
    select list; every step must have a row (counts of 0 included). `prefix`
    goes before each column name (closed_ for the rates over closed windows).
-#}
{% macro funnel_step_rates(count_column, partition_columns, prefix='') -%}
{%- set window -%}
    over (partition by {{ partition_columns | join(', ') }} order by step_number)
{%- endset -%}
    case
        when lag({{ count_column }}) {{ window }} > 0
            then cast({{ count_column }} as {{ dbt.type_float() }})
                / lag({{ count_column }}) {{ window }}
    end as {{ prefix }}conversion_from_previous,
    case
        when first_value({{ count_column }}) {{ window }} > 0
            then cast({{ count_column }} as {{ dbt.type_float() }})
                / first_value({{ count_column }}) {{ window }}
    end as {{ prefix }}conversion_from_start,
    case
        when lag({{ count_column }}) {{ window }} > 0
            then 1 - cast({{ count_column }} as {{ dbt.type_float() }})
                / lag({{ count_column }}) {{ window }}
    end as {{ prefix }}drop_off_from_previous
{%- endmacro %}
