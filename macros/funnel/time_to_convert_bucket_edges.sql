{#-
    The lower edges (seconds) of the time-to-convert histogram buckets, from
    the variable customer_behaviour__time_to_convert_bucket_seconds, checked
    once for every model that uses it: a list of numbers, ascending without
    repeats, starting at 0 (a time to convert is never negative, so every
    conversion falls in a bucket). Bucket k holds lower edge k up to, not
    including, edge k+1; the last bucket is open-ended. A bad value stops the
    build with one line that says what to write instead.
-#}
{% macro time_to_convert_bucket_edges() -%}
    {%- set name = 'customer_behaviour__time_to_convert_bucket_seconds' -%}
    {%- set example = ' for example [0, 10, 30, 60, 120, 300, 900, 1800, 3600]' -%}
    {%- set edges = var(name) -%}
    {%- if edges is string or edges is mapping or edges is not iterable
        or edges | list | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            name ~ " must be a list of bucket edges in seconds," ~ example ~ "; it is " ~ edges
        ) }}
    {%- endif -%}
    {%- set edges = edges | list -%}
    {%- for edge in edges -%}
        {%- if edge is boolean or edge is not number or edge < 0 -%}
            {{ exceptions.raise_compiler_error(
                name ~ ": edge " ~ loop.index ~ " ('" ~ edge ~ "') must be a number of"
                ~ " seconds, 0 or more," ~ example
            ) }}
        {%- endif -%}
        {%- if not loop.first and edge <= edges[loop.index0 - 1] -%}
            {{ exceptions.raise_compiler_error(
                name ~ ": edges must be ascending without repeats, but " ~ edge
                ~ " follows " ~ edges[loop.index0 - 1] ~ " (" ~ edges | join(', ') ~ ")"
            ) }}
        {%- endif -%}
    {%- endfor -%}
    {%- if edges[0] != 0 -%}
        {{ exceptions.raise_compiler_error(
            name ~ ": the first edge must be 0 so that every conversion has a bucket;"
            ~ " it is " ~ edges[0] ~ " (write [0, " ~ edges | join(', ') ~ "])"
        ) }}
    {%- endif -%}
    {{ return(edges) }}
{%- endmacro %}
