{#-
    True when the whole of `expression` matches the regular expression held
    in `pattern_expression` (a column, so the pattern is data, not a
    literal), false when it does not, NULL for NULL input. The pattern
    language is what Python's re, PostgreSQL, DuckDB (RE2) and Spark (Java)
    share: literals, ., [...], (...), |, ?, *, +, {m,n}; no backslashes,
    lookarounds or backreferences. regex_full_match does the same for a
    pattern written in the SQL.
-#}
{% macro regex_full_match_column(expression, pattern_expression) -%}
    {{ return(adapter.dispatch('regex_full_match_column', 'customer_behaviour')(
        expression, pattern_expression
    )) }}
{%- endmacro %}

{% macro default__regex_full_match_column(expression, pattern_expression) -%}
    ({{ expression }} ~ ('^(?:' || {{ pattern_expression }} || ')$'))
{%- endmacro %}

{% macro duckdb__regex_full_match_column(expression, pattern_expression) -%}
    regexp_full_match({{ expression }}, {{ pattern_expression }})
{%- endmacro %}

{% macro spark__regex_full_match_column(expression, pattern_expression) -%}
    ({{ expression }} rlike concat('^(?:', {{ pattern_expression }}, ')$'))
{%- endmacro %}
