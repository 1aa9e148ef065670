{#-
    The ordered funnel of the variable customer_behaviour__funnel_steps,
    checked once for every model that uses it: a list of 2 to 10 distinct
    event types, each written as staging stores event types (lower case, no
    surrounding spaces), since a step that no staged event can equal would
    silently count nothing. A bad value stops the build with one line that
    says what to write instead.
-#}
{% macro funnel_steps() -%}
    {%- set name = 'customer_behaviour__funnel_steps' -%}
    {%- set steps = var(name) -%}
    {%- if steps is string or steps is mapping or steps is not iterable -%}
        {{ exceptions.raise_compiler_error(
            name ~ " must be a list of event types, for example"
            ~ " [page_view, add_to_cart, checkout, purchase]; it is " ~ steps
        ) }}
    {%- endif -%}
    {%- set steps = steps | list -%}
    {%- if steps | length < 2 or steps | length > 10 -%}
        {{ exceptions.raise_compiler_error(
            name ~ " has " ~ steps | length ~ (" entry" if steps | length == 1 else " entries")
            ~ "; a funnel has 2 to 10 steps"
        ) }}
    {%- endif -%}
    {%- for step in steps -%}
        {%- if step is not string or step == '' or step | trim | lower != step -%}
            {{ exceptions.raise_compiler_error(
                name ~ ": step " ~ loop.index ~ " ('" ~ step ~ "') must be an event type"
                ~ " as staged (lower case, no surrounding spaces), for example '"
                ~ (step | string | trim | lower) ~ "'"
            ) }}
        {%- endif -%}
    {%- endfor -%}
    {%- if steps | unique | list | length != steps | length -%}
        {{ exceptions.raise_compiler_error(
            name ~ " names an event type twice (" ~ steps | join(', ')
            ~ "); each step must be a different event type"
        ) }}
    {%- endif -%}
    {{ return(steps) }}
{%- endmacro %}
