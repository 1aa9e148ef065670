{#-
    A query with one row per time-to-convert histogram bucket (edges from
    time_to_convert_bucket_edges()): bucket_number (1-based), lower_seconds
    (included), upper_seconds (excluded; NULL for the open-ended last
    bucket) and bucket_label ('10-30 s', the last '>= 3600 s'). Use it as
    the body of a CTE.
-#}
{% macro time_to_convert_bucket_rows(edges=none) -%}
{%- set edges = edges if edges is not none else time_to_convert_bucket_edges() -%}
{%- set shown = [] -%}
{%- for edge in edges -%}
    {%- do shown.append(edge | int if edge == edge | int else edge) -%}
{%- endfor -%}
{%- for edge in shown %}
select
    cast({{ loop.index }} as {{ dbt.type_int() }}) as bucket_number,
    cast({{ edge }} as {{ dbt.type_float() }}) as lower_seconds,
    {%- if loop.last %}
    cast(null as {{ dbt.type_float() }}) as upper_seconds,
    cast('>= {{ edge }} s' as {{ dbt.type_string() }}) as bucket_label
    {%- else %}
    cast({{ shown[loop.index] }} as {{ dbt.type_float() }}) as upper_seconds,
    cast('{{ edge }}-{{ shown[loop.index] }} s' as {{ dbt.type_string() }}) as bucket_label
    {%- endif %}
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
{%- endmacro %}
