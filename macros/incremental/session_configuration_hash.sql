{#-
    md5 of the settings the session-keyed incremental models depend on: the
    funnel (step columns, step labels), the accepted devices, the longest
    text value (staging's rules) and the label rule of the question-paths
    (int_path_steps_collapsed: its kept rows carry the old rule's labels,
    and under product_category it is a table whose rows a switch back must
    not keep). int_load_batches_processed records it; a
    run whose settings differ rebuilds those models whole (should_full_refresh),
    since their old rows were computed under the old settings and a changed
    funnel also changes their columns. session_columns names the version of
    those models' columns: a release that adds columns (as the pre-intent
    ones did) changes it, so a warehouse built by an older release is
    rebuilt instead of failing on the missing columns.
-#}
{% macro session_configuration_hash() -%}
    {%- set settings = {
        'funnel_steps': var('customer_behaviour__funnel_steps'),
        'product_funnel_steps': var('customer_behaviour__product_funnel_steps', none),
        'devices': var('customer_behaviour__devices'),
        'max_text_length': var('customer_behaviour__max_text_length'),
        'path_label': var('customer_behaviour__path_label'),
        'session_columns': 'pre_intent',
    } -%}
    {{- return(local_md5(tojson(settings, sort_keys=true))) -}}
{%- endmacro %}
