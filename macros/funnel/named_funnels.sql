{#-
    The funnels of the named-funnel marts (int_named_funnels_evaluated,
    fct_named_funnels; doc block named_funnels), checked once for every model
    that uses them: first the `default` funnel (customer_behaviour__funnel_steps,
    sequential), then each funnel of the variable customer_behaviour__funnels.
    Returns a list of mappings with name, order (sequential, strict, any),
    conversion_window_seconds (none = no limit), exclusions (event types) and
    steps, each with event_type, page, product_category (none = any),
    max_seconds_from_previous (none = no limit) and step_name. A step may be
    written as an event type alone. A bad value stops the build with one line
    naming the funnel and the field.
-#}
{% macro named_funnels() -%}
    {%- set variable = 'customer_behaviour__funnels' -%}
    {%- set funnels = [{
        'name': 'default', 'order': 'sequential', 'conversion_window_seconds': none,
        'exclusions': [], 'steps': [],
    }] -%}
    {%- for event_type in funnel_steps() -%}
        {%- do funnels[0].steps.append({
            'event_type': event_type, 'page': none, 'product_category': none,
            'max_seconds_from_previous': none, 'step_name': event_type,
        }) -%}
    {%- endfor -%}
    {%- set configured = var(variable, none) -%}
    {%- if configured is none -%}
        {{ return(funnels) }}
    {%- endif -%}
    {%- if configured is string or configured is mapping or configured is not iterable -%}
        {{ exceptions.raise_compiler_error(
            variable ~ " must be null or a list of funnels, each with a name and steps"
            ~ " (docs/configuration.md#named-funnels); it is " ~ configured
        ) }}
    {%- endif -%}
    {%- set names = ['default'] -%}
    {%- for funnel in configured -%}
        {%- set where = variable ~ ": funnel " ~ loop.index -%}
        {%- if funnel is not mapping -%}
            {{ exceptions.raise_compiler_error(
                where ~ " must be a mapping with name and steps; it is " ~ funnel
            ) }}
        {%- endif -%}
        {%- set name = funnel.get('name') -%}
        {%- if name is not string or not modules.re.match('^[a-z][a-z0-9_]{0,39}$', name) -%}
            {{ exceptions.raise_compiler_error(
                where ~ ": name ('" ~ name ~ "') must be lower case letters, digits and _,"
                ~ " starting with a letter, at most 40 characters, for example checkout_flow"
            ) }}
        {%- endif -%}
        {%- set where = variable ~ ": funnel '" ~ name ~ "'" -%}
        {%- if name in names -%}
            {{ exceptions.raise_compiler_error(
                where ~ ": name is used twice (or is 'default', the funnel of"
                ~ " customer_behaviour__funnel_steps); give each funnel its own name"
            ) }}
        {%- endif -%}
        {%- do names.append(name) -%}
        {%- for key in funnel -%}
            {%- if key not in ['name', 'steps', 'order', 'conversion_window_seconds', 'exclusions'] -%}
                {{ exceptions.raise_compiler_error(
                    where ~ ": unknown field '" ~ key ~ "'; a funnel has name, steps, order,"
                    ~ " conversion_window_seconds and exclusions"
                ) }}
            {%- endif -%}
        {%- endfor -%}
        {%- set order = funnel.get('order', 'sequential') -%}
        {%- if order not in ['sequential', 'strict', 'any'] -%}
            {{ exceptions.raise_compiler_error(
                where ~ ": order ('" ~ order ~ "') must be sequential, strict or any"
            ) }}
        {%- endif -%}
        {%- set window = funnel.get('conversion_window_seconds') -%}
        {%- if window is not none and (window is boolean or window is not integer or window <= 0) -%}
            {{ exceptions.raise_compiler_error(
                where ~ ": conversion_window_seconds ('" ~ window ~ "') must be a whole"
                ~ " number of seconds above 0, or left out for no limit"
            ) }}
        {%- endif -%}
        {%- set steps = funnel.get('steps') -%}
        {%- if steps is string or steps is mapping or steps is not iterable
            or steps | list | length < 2 or steps | list | length > 10 -%}
            {{ exceptions.raise_compiler_error(
                where ~ ": steps must be a list of 2 to 10 steps (event types, or mappings"
                ~ " with event_type and optionally page or product_category); it is " ~ steps
            ) }}
        {%- endif -%}
        {%- set checked = [] -%}
        {%- for step in steps -%}
            {%- set at = where ~ ": step " ~ loop.index -%}
            {%- set step = {'event_type': step} if step is string else step -%}
            {%- if step is not mapping -%}
                {{ exceptions.raise_compiler_error(
                    at ~ " must be an event type or a mapping with event_type; it is " ~ step
                ) }}
            {%- endif -%}
            {%- for key in step -%}
                {%- if key not in ['event_type', 'page', 'product_category', 'max_seconds_from_previous'] -%}
                    {{ exceptions.raise_compiler_error(
                        at ~ ": unknown field '" ~ key ~ "'; a step has event_type and optionally"
                        ~ " page or product_category and max_seconds_from_previous"
                    ) }}
                {%- endif -%}
            {%- endfor -%}
            {%- set event_type = step.get('event_type') -%}
            {%- if event_type is not string or event_type == ''
                or event_type | trim | lower != event_type -%}
                {{ exceptions.raise_compiler_error(
                    at ~ ": event_type ('" ~ event_type ~ "') must be an event type as staged"
                    ~ " (lower case, no surrounding spaces), for example '"
                    ~ (event_type | string | trim | lower) ~ "'"
                ) }}
            {%- endif -%}
            {%- set page = step.get('page') -%}
            {%- set category = step.get('product_category') -%}
            {%- if page is not none and category is not none -%}
                {{ exceptions.raise_compiler_error(
                    at ~ ": give page or product_category, not both"
                ) }}
            {%- endif -%}
            {%- for field, value in [('page', page), ('product_category', category)] -%}
                {%- if value is not none and (value is not string or value == ''
                    or value | trim | lower != value) -%}
                    {{ exceptions.raise_compiler_error(
                        at ~ ": " ~ field ~ " ('" ~ value ~ "') must be written as staged"
                        ~ " (lower case, no surrounding spaces), for example '"
                        ~ (value | string | trim | lower) ~ "'"
                    ) }}
                {%- endif -%}
            {%- endfor -%}
            {%- set max_seconds = step.get('max_seconds_from_previous') -%}
            {%- if max_seconds is not none -%}
                {%- if loop.first or order == 'any' -%}
                    {{ exceptions.raise_compiler_error(
                        at ~ ": max_seconds_from_previous needs a previous step: leave it out"
                        ~ (" of step 1" if loop.first else " when order is any")
                    ) }}
                {%- endif -%}
                {%- if max_seconds is boolean or max_seconds is not integer or max_seconds < 0 -%}
                    {{ exceptions.raise_compiler_error(
                        at ~ ": max_seconds_from_previous ('" ~ max_seconds ~ "') must be a"
                        ~ " whole number of seconds, 0 or more"
                    ) }}
                {%- endif -%}
            {%- endif -%}
            {%- set label = event_type ~ (': ' ~ page if page is not none else '')
                ~ (': ' ~ category if category is not none else '') -%}
            {%- for earlier in checked -%}
                {%- if earlier.step_name == label -%}
                    {{ exceptions.raise_compiler_error(
                        at ~ " repeats an earlier step ('" ~ label ~ "'); each step must differ"
                    ) }}
                {%- endif -%}
            {%- endfor -%}
            {%- do checked.append({
                'event_type': event_type, 'page': page, 'product_category': category,
                'max_seconds_from_previous': max_seconds, 'step_name': label,
            }) -%}
        {%- endfor -%}
        {%- set exclusions = funnel.get('exclusions', []) -%}
        {%- if exclusions is none -%}
            {%- set exclusions = [] -%}
        {%- endif -%}
        {%- if exclusions is string or exclusions is mapping or exclusions is not iterable -%}
            {{ exceptions.raise_compiler_error(
                where ~ ": exclusions must be a list of event types; it is " ~ exclusions
            ) }}
        {%- endif -%}
        {%- for excluded in exclusions -%}
            {%- if excluded is not string or excluded == ''
                or excluded | trim | lower != excluded -%}
                {{ exceptions.raise_compiler_error(
                    where ~ ": exclusions: '" ~ excluded ~ "' must be an event type as staged"
                    ~ " (lower case, no surrounding spaces)"
                ) }}
            {%- endif -%}
            {%- for step in checked -%}
                {%- if step.event_type == excluded -%}
                    {{ exceptions.raise_compiler_error(
                        where ~ ": exclusions: '" ~ excluded ~ "' is also a step's event type;"
                        ~ " a step cannot be excluded"
                    ) }}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- do funnels.append({
            'name': name, 'order': order, 'conversion_window_seconds': window,
            'exclusions': exclusions | list, 'steps': checked,
        }) -%}
    {%- endfor -%}
    {{ return(funnels) }}
{%- endmacro %}
