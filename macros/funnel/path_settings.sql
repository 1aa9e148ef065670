{#-
    The settings of the question-paths (fct_paths_to_conversion,
    fct_paths_from_entry), checked once for every model that uses them, so a
    bad value stops the build with one line that says what to write instead:

        label                     customer_behaviour__path_label: event_type,
                                  page or product_category (doc block path_label)
        steps_before_conversion   customer_behaviour__path_steps_before_conversion
        steps_from_entry          customer_behaviour__path_steps_from_entry
        top_n                     customer_behaviour__path_top_n
        entry_steps               customer_behaviour__path_entry_steps, a list of
                                  labels or event types; null = the first funnel step
-#}
{% macro path_settings() -%}
    {%- set rules = ['event_type', 'page', 'product_category'] -%}
    {%- set label = var('customer_behaviour__path_label') -%}
    {%- if label not in rules -%}
        {{ exceptions.raise_compiler_error(
            "customer_behaviour__path_label must be one of " ~ rules | join(', ')
            ~ "; it is " ~ label
        ) }}
    {%- endif -%}
    {%- set settings = {'label': label} -%}
    {%- for key in ['steps_before_conversion', 'steps_from_entry', 'top_n'] -%}
        {%- set name = 'customer_behaviour__path_' ~ key -%}
        {%- set value = var(name) -%}
        {%- if value is not number or value is sameas true or value is sameas false
            or value != value | int or value < 1 -%}
            {{ exceptions.raise_compiler_error(
                name ~ " must be a whole number of at least 1, for example 5; it is " ~ value
            ) }}
        {%- endif -%}
        {%- do settings.update({key: value | int}) -%}
    {%- endfor -%}
    {%- set entry_name = 'customer_behaviour__path_entry_steps' -%}
    {%- set entry_steps = var(entry_name) -%}
    {%- if entry_steps is none -%}
        {%- set entry_steps = [funnel_steps()[0]] -%}
    {%- endif -%}
    {%- if entry_steps is string or entry_steps is mapping or entry_steps is not iterable
        or entry_steps | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            entry_name ~ " must be null or a list of step labels or event types, for example"
            ~ " [page_view]; it is " ~ entry_steps
        ) }}
    {%- endif -%}
    {%- for step in entry_steps -%}
        {%- if step is not string or step == '' -%}
            {{ exceptions.raise_compiler_error(
                entry_name ~ ": entry " ~ loop.index ~ " (" ~ step ~ ") must be a step label"
                ~ " or an event type, for example page_view"
            ) }}
        {%- endif -%}
    {%- endfor -%}
    {%- do settings.update({'entry_steps': entry_steps | list}) -%}
    {{ return(settings) }}
{%- endmacro %}
