{#-
    Seed rows on Spark. dbt-spark's own loader writes every row as
    `values (cast(%s as string), ...)` with the values pasted in by Python
    string formatting: under the session method a missing value arrives as
    the text 'None' (not NULL), and Spark parses one cast expression per
    cell, which takes minutes for the 57k-event sample.

    Here each batch of rows (as dbt read them from the CSV: text columns,
    blank and "null" already NULL) travels as one JSON string literal that
    Spark expands with from_json + explode, so NULLs stay NULL and the
    statement is one literal to parse. The JSON has no single quotes (they
    are escaped as \u0027) and its backslashes are doubled for Spark's string
    literal. Values of non-text columns are sent as their text and cast to
    the column's type, as dbt-spark does.
-#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set column_types = [] -%}
    {%- for column_name in agate_table.column_names -%}
        {%- do column_types.append(
            column_override.get(column_name, adapter.convert_type(agate_table, loop.index0))
        ) -%}
    {%- endfor -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set rows = [] -%}
        {%- for row in chunk -%}
            {%- set values = [] -%}
            {%- for value in row -%}
                {%- do values.append(none if value is none else value | string) -%}
            {%- endfor -%}
            {%- do rows.append(values) -%}
        {%- endfor -%}
        {%- set rows_json = rows | tojson | replace('\\', '\\\\') | replace("'", "\\'") -%}
        {%- set sql -%}
            insert into {{ this.render() }}
            select
                {%- for column_type in column_types %}
                cast(seed_row[{{ loop.index0 }}] as {{ column_type }}){{ ',' if not loop.last }}
                {%- endfor %}
            from (
                select explode(from_json('{{ rows_json }}', 'array<array<string>>')) as seed_row
            ) as seed_rows
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.first -%}
            {%- do statements.append(sql) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{% endmacro %}
