{#-
    dbt.type_float() on Spark: Spark's FLOAT is single precision (about 7
    digits), which makes ratios differ from Postgres and DuckDB (double
    precision) in the 7th digit. This override makes type_float a DOUBLE on
    Spark, so every target agrees.
-#}
{% macro spark__type_float() -%}
    double
{%- endmacro %}
