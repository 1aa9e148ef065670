{#-
    The column stem of each funnel step: `<stem>_count` and `has_<stem>` are
    its columns in int_sessions_events_aggregated, int_sessions_measured and
    fct_sessions (the rule: doc block funnel_step_columns). Written here once;
    every model, test and doc that names these columns goes through it.

    The stem is the step's event type with every run of characters other than
    a-z and 0-9 replaced by `_` and leading or trailing `_` removed, when that
    is a usable name: it starts with a letter, has at most 40 characters, is
    not `event`, `other_event` or `pre_intent_event` (event_count,
    other_event_count and pre_intent_event_count exist),
    does not start with `step_<digit>` (the fallback's form) and no other step
    gives the same one. Otherwise it is `step_<k>`, followed by `_` and the
    first 40 characters of the cleaned name when there are any. So every stem
    is a valid unquoted identifier on every target, stems never collide with
    each other or with the other columns, and the default funnel keeps its
    names (page_view_count, has_page_view, ...).
-#}
{% macro funnel_step_stems(steps=none) -%}
    {%- set steps = steps if steps is not none else funnel_steps() -%}
    {%- set cleaned = [] -%}
    {%- for step in steps -%}
        {%- do cleaned.append(modules.re.sub('[^a-z0-9]+', '_', step).strip('_')) -%}
    {%- endfor -%}
    {%- set stems = [] -%}
    {%- for name in cleaned -%}
        {%- set usable = modules.re.match('^[a-z][a-z0-9_]{0,39}$', name)
            and not modules.re.match('^step_[0-9]', name)
            and name not in ['event', 'other_event', 'pre_intent_event']
            and cleaned.count(name) == 1 -%}
        {%- if usable -%}
            {%- do stems.append(name) -%}
        {%- else -%}
            {%- set cut = name[:40].strip('_') -%}
            {%- do stems.append('step_' ~ loop.index ~ ('_' ~ cut if cut else '')) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(stems) }}
{%- endmacro %}
