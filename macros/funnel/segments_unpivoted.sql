{#-
    A query that repeats every row of `relation` once per breakdown: once as
    segment_type 'overall' / segment_value 'all', and once per column in
    `segment_columns` (default: the variable customer_behaviour__funnel_segments)
    with segment_type = the column name and segment_value = its value as text
    ('unknown' when NULL). `carry_columns` are passed through. Use it as the
    body of a CTE; the funnel marts aggregate it by (segment_type, segment_value).
-#}
{% macro segments_unpivoted(relation, carry_columns, segment_columns=none) -%}
{%- set segment_columns = segment_columns if segment_columns is not none
    else var('customer_behaviour__funnel_segments') -%}
select
    {%- for column in carry_columns %}
    {{ relation }}.{{ column }},
    {%- endfor %}
    cast('overall' as {{ dbt.type_string() }}) as segment_type,
    cast('all' as {{ dbt.type_string() }}) as segment_value
from {{ relation }}
{%- for segment in segment_columns %}
union all
select
    {%- for column in carry_columns %}
    {{ relation }}.{{ column }},
    {%- endfor %}
    cast('{{ segment }}' as {{ dbt.type_string() }}) as segment_type,
    coalesce(cast({{ relation }}.{{ segment }} as {{ dbt.type_string() }}), 'unknown') as segment_value
from {{ relation }}
{%- endfor %}
{%- endmacro %}
