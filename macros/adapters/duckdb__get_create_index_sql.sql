{#-
    The marts' `indexes` configs are for PostgreSQL, where DBeaver users
    filter. dbt-duckdb 1.11 builds them too, and then every rebuild of a table
    first lists its indexes through duckdb_indexes(); with two dbt threads,
    that catalog scan fails when the other thread is renaming or dropping an
    indexed table ("Catalog Error: Table with name ...__dbt_backup does not
    exist"), so a second `make run` on DuckDB could fail at random. DuckDB
    does not need these indexes (its zone maps serve the same filters): no
    index, nothing for the scan to trip over.
-#}
{% macro duckdb__get_create_index_sql(relation, index_dict) -%}
{%- endmacro %}
