{#-
    The top-N cut of a question-path mart: ranks the paths of `relation`
    (one row per path, with path, path_length, truncated_flag 1/0 and
    sessions) by sessions, most first, ties by the path's text in binary
    order, within each partition; the `top_n` first keep a row each and the
    rest are summed into one row `(other)`. The body of a CTE with the
    partition columns, grouped_path, path_rank (the path's rank; the first
    rank grouped for (other)), path_length and truncated_flag (NULL for
    (other)), distinct_paths, sessions and the sum of each column of `sums`.
    Shared by fct_paths_to_conversion and fct_paths_from_entry.
-#}
{% macro top_paths_grouped(relation, top_n, partition_by=[], sums=[]) -%}
    {%- set partition = partition_by | join(', ') -%}
    select
        {%- for column in partition_by %}
            {{ column }},
        {%- endfor %}
        grouped_path,
        min(path_rank) as path_rank,
        max(case when path_rank <= {{ top_n }} then path_length end) as path_length,
        min(case when path_rank <= {{ top_n }} then truncated_flag end) as truncated_flag,
        count(*) as distinct_paths,
        {%- for column in sums %}
            sum({{ column }}) as {{ column }},
        {%- endfor %}
        sum(sessions) as sessions
    from (
        select
            *,
            case
                when path_rank <= {{ top_n }} then path else '(other)'
            end as grouped_path
        from (
            select
                *,
                row_number() over (
                    {% if partition_by %}partition by {{ partition }}{% endif %}
                    order by sessions desc, {{ collate_binary('path') }}
                ) as path_rank
            from {{ relation }}
        ) as paths_ranked
    ) as paths_grouped_beyond_top
    group by {% if partition_by %}{{ partition }}, {% endif %}grouped_path
{%- endmacro %}
