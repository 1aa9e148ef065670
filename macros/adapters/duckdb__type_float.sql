{#-
    dbt.type_float() on DuckDB: DuckDB's FLOAT is single precision (about 7
    digits), which makes ratios differ from Postgres (double precision) in
    the 7th digit. This override makes type_float a DOUBLE on DuckDB, so the
    two targets agree.
-#}
{% macro duckdb__type_float() -%}
    double
{%- endmacro %}
