{#-
    The two funnel steps whose events name a product, in funnel order: the
    product funnel's "viewed" and "added to cart" (fct_product_funnel,
    fct_category_funnel; doc block product_funnel). The variable
    customer_behaviour__product_funnel_steps sets them; when it is null they
    are the first two steps of customer_behaviour__funnel_steps, which is
    page_view and add_to_cart by default.
-#}
{% macro product_funnel_steps() -%}
    {%- set name = 'customer_behaviour__product_funnel_steps' -%}
    {%- set steps = funnel_steps() -%}
    {%- set configured = var(name, none) -%}
    {%- if configured is none -%}
        {{ return(steps[:2]) }}
    {%- endif -%}
    {%- if configured is string or configured is mapping or configured is not iterable
        or configured | list | length != 2 -%}
        {{ exceptions.raise_compiler_error(
            name ~ " must be null or two steps of customer_behaviour__funnel_steps"
            ~ " (the product view, then the add to cart); it is " ~ configured
        ) }}
    {%- endif -%}
    {%- set configured = configured | list -%}
    {%- for step in configured -%}
        {%- if step not in steps -%}
            {{ exceptions.raise_compiler_error(
                name ~ ": '" ~ step ~ "' is not a step of customer_behaviour__funnel_steps ("
                ~ steps | join(', ') ~ "); name two of its steps, or set it to null"
            ) }}
        {%- endif -%}
    {%- endfor -%}
    {%- if steps.index(configured[0]) >= steps.index(configured[1]) -%}
        {{ exceptions.raise_compiler_error(
            name ~ ": '" ~ configured[0] ~ "' must come before '" ~ configured[1]
            ~ "' in customer_behaviour__funnel_steps (" ~ steps | join(', ') ~ ")"
        ) }}
    {%- endif -%}
    {{ return(configured) }}
{%- endmacro %}
