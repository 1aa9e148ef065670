{#-
    dbt.listagg() on Spark with its order_by_clause honoured. dbt-spark's own
    listagg ignores the ordering (it warns and concatenates collect_list in
    whatever order the shuffle delivered), so a session path such as
    "home > product" could come out as "product > home". Here the values are
    collected together with their sort keys, sorted, and joined:

        array_join(transform(array_sort(collect_list(
            named_struct('sort_key_1', <key>, ..., 'value', <measure>))), ...))

    `order_by_clause` is "order by <key>[, <key> ...]" with every key
    ascending (optionally `asc`) or every key `desc`; mixing directions is a
    compilation error. Ties sort by the value, so the result is deterministic.
    NULL measures are skipped, as string_agg does; `limit_num` keeps the first
    values after sorting.
-#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- if not order_by_clause -%}
        {%- set collected = 'collect_list(' ~ measure ~ ')' -%}
        {%- if limit_num -%}
            {%- set collected = 'slice(' ~ collected ~ ', 1, ' ~ limit_num ~ ')' -%}
        {%- endif -%}
        {{ return('array_join(' ~ collected ~ ', ' ~ delimiter_text ~ ')') }}
    {%- endif -%}

    {%- set clause = modules.re.sub('(?is)^\\s*order\\s+by\\s+', '', order_by_clause) -%}
    {#- Split the keys at top-level commas (not those inside function calls). -#}
    {%- set split = namespace(keys=[], current='', depth=0) -%}
    {%- for character in clause -%}
        {%- if character == ',' and split.depth == 0 -%}
            {%- do split.keys.append(split.current) -%}
            {%- set split.current = '' -%}
        {%- else -%}
            {%- if character == '(' %}{% set split.depth = split.depth + 1 %}{% endif -%}
            {%- if character == ')' %}{% set split.depth = split.depth - 1 %}{% endif -%}
            {%- set split.current = split.current ~ character -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do split.keys.append(split.current) -%}

    {%- set keys = [] -%}
    {%- set directions = [] -%}
    {%- for key in split.keys -%}
        {%- set parsed = modules.re.match('(?is)^\\s*(.+?)(?:\\s+(asc|desc))?\\s*$', key) -%}
        {%- if parsed is none -%}
            {{ exceptions.raise_compiler_error(
                "listagg on Spark: cannot read the order by clause '" ~ order_by_clause ~ "'") }}
        {%- endif -%}
        {%- do keys.append(parsed.group(1)) -%}
        {%- do directions.append((parsed.group(2) or 'asc') | lower) -%}
    {%- endfor -%}
    {%- if directions | unique | list | length > 1 -%}
        {{ exceptions.raise_compiler_error(
            "listagg on Spark: '" ~ order_by_clause ~ "' mixes asc and desc; "
            ~ "sort every key the same way") }}
    {%- endif -%}

    {%- set fields = [] -%}
    {%- for key in keys -%}
        {%- do fields.append("'sort_key_" ~ loop.index ~ "', " ~ key) -%}
    {%- endfor -%}
    {%- do fields.append("'value', " ~ measure) -%}
    {%- set entries -%}
        filter(
            collect_list(named_struct({{ fields | join(', ') }})),
            listagg_entry -> listagg_entry.value is not null
        )
    {%- endset -%}
    {%- set sorted = 'sort_array(' ~ entries ~ ', ' ~ ('false' if directions[0] == 'desc' else 'true') ~ ')' -%}
    {%- if limit_num -%}
        {%- set sorted = 'slice(' ~ sorted ~ ', 1, ' ~ limit_num ~ ')' -%}
    {%- endif -%}
    {{ return(
        'array_join(transform(' ~ sorted ~ ', listagg_entry -> listagg_entry.value), '
        ~ delimiter_text ~ ')'
    ) }}
{%- endmacro %}
