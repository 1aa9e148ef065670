{#-
    HMAC-SHA256 of a normalised e-mail address (UTF-8 bytes) under the key in
    CUSTOMER_BEHAVIOUR_EMAIL_HASH_KEY, as 64 lower-case hex digits:
    sha256(outer_pad || sha256(inner_pad || address)), the pads from
    email_hash_key_pads. Equal to Python's
    hmac.new(key.encode(), address.encode(), hashlib.sha256).hexdigest() on
    every target. Without the key nobody can recompute a hash from a list of
    candidate addresses, which an unkeyed md5 or SHA-256 allows in seconds.
    NULL in what `dbt compile` and `dbt docs generate` write (no key there).
-#}
{% macro email_hash(address) -%}
    {%- set pads = email_hash_key_pads() -%}
    {%- if pads is none -%}
        cast(null as {{ dbt.type_string() }}) /* email_hash: key withheld outside dbt build */
    {%- else -%}
        {{ return(adapter.dispatch('email_hash', 'customer_behaviour')(
            address, pads['inner'], pads['outer']
        )) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__email_hash(address, inner_pad, outer_pad) -%}
    {{ exceptions.raise_compiler_error(
        "email_hash has no implementation for adapter " ~ adapter.type()
        ~ ": add " ~ adapter.type() ~ "__email_hash to macros/privacy/email_hash.sql "
        ~ "(HMAC-SHA256 from the engine's SHA-256 over bytes, as the others do)"
    ) }}
{%- endmacro %}

{#- sha256(bytea) returns bytea (PostgreSQL 11+): no pgcrypto needed. -#}
{% macro postgres__email_hash(address, inner_pad, outer_pad) -%}
    encode(sha256(
        decode('{{ outer_pad }}', 'hex')
        || sha256(decode('{{ inner_pad }}', 'hex') || convert_to({{ address }}, 'UTF8'))
    ), 'hex')
{%- endmacro %}

{#- DuckDB's sha256 takes a blob and returns hex text: unhex it for the outer pass. -#}
{% macro duckdb__email_hash(address, inner_pad, outer_pad) -%}
    sha256(
        unhex('{{ outer_pad }}')
        || unhex(sha256(unhex('{{ inner_pad }}') || encode({{ address }})))
    )
{%- endmacro %}

{#- Spark's sha2 takes binary and returns hex text; concat joins binaries. -#}
{% macro spark__email_hash(address, inner_pad, outer_pad) -%}
    sha2(concat(
        unhex('{{ outer_pad }}'),
        unhex(sha2(concat(unhex('{{ inner_pad }}'), encode({{ address }}, 'UTF-8')), 256))
    ), 256)
{%- endmacro %}
