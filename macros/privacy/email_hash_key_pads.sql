{#-
    The key of the e-mail hash, as the two HMAC-SHA256 pads (RFC 2104): the
    key padded with zero bytes to SHA-256's 64-byte block, XOR 0x36 (inner)
    and XOR 0x5c (outer), as hex. Computed here, at compile time, because no
    target has a built-in HMAC (pgcrypto is an extension; DuckDB and Spark
    have none) while all of them have SHA-256 over bytes: email_hash composes
    HMAC from that. Jinja has neither ord() nor XOR, hence the lookup table of
    ASCII codes and the bit arithmetic. Keys longer than one block would
    have to be hashed first, which Jinja cannot do: 64 characters at most.

    The key comes from the environment variable
    CUSTOMER_BEHAVIOUR_EMAIL_HASH_KEY (`make run` sets it; on DuckDB it
    creates a random key in .email_hash_key first). The pads are as secret as
    the key, so they are compiled only into what dbt executes (build, run,
    retry, test, show): `dbt compile` and `dbt docs generate` write no key to
    target/ or to the docs site, and get none (the hash compiles to NULL).
    Without a key, or with the retired salt variable, a build stops here.
-#}
{% macro email_hash_key_pads() %}
    {#- Read at execution only: dbt keeps the values of the variables read while
        parsing in target/partial_parse.msgpack. -#}
    {%- if not execute or flags.WHICH not in ['build', 'run', 'retry', 'test', 'show'] -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set key = env_var('CUSTOMER_BEHAVIOUR_EMAIL_HASH_KEY', '') -%}
    {%- set retired_salt = env_var('CUSTOMER_BEHAVIOUR_EMAIL_SALT', '') -%}
    {%- set how_to_set = (
        "`make run` creates one on DuckDB (.email_hash_key) and passes it to dbt; "
        ~ "calling dbt yourself, export CUSTOMER_BEHAVIOUR_EMAIL_HASH_KEY=\"$(cat .email_hash_key)\""
    ) if target.type == 'duckdb' else (
        "add CUSTOMER_BEHAVIOUR_EMAIL_HASH_KEY=<32 to 64 characters> to .env "
        ~ "(make one with: python3 -c 'import secrets; print(secrets.token_hex(32))') "
        ~ "or export it before calling dbt"
    ) -%}
    {%- if retired_salt -%}
        {{ exceptions.raise_compiler_error(
            "CUSTOMER_BEHAVIOUR_EMAIL_SALT is no longer read: e-mail hashes are now "
            ~ "HMAC-SHA256 with the key CUSTOMER_BEHAVIOUR_EMAIL_HASH_KEY; remove the salt "
            ~ "from .env and the environment (every email_hash changes once) and "
            ~ how_to_set
        ) }}
    {%- endif -%}
    {%- if not key -%}
        {{ exceptions.raise_compiler_error(
            "CUSTOMER_BEHAVIOUR_EMAIL_HASH_KEY is not set: e-mail addresses are hashed with "
            ~ "a secret key on target " ~ target.name ~ "; " ~ how_to_set
        ) }}
    {%- endif -%}
    {#- Hex, base64 and base64url keys; nothing make or a shell would change in .env. -#}
    {%- if not modules.re.fullmatch('[A-Za-z0-9._~+/=-]{32,64}', key) -%}
        {{ exceptions.raise_compiler_error(
            "CUSTOMER_BEHAVIOUR_EMAIL_HASH_KEY must be 32 to 64 letters, digits or ._~+/=- "
            ~ "(it has " ~ key | length ~ " characters); "
            ~ "make one with: python3 -c 'import secrets; print(secrets.token_hex(32))'"
        ) }}
    {%- endif -%}
    {%- set codes = {} -%}
    {%- for code in range(33, 127) -%}
        {%- do codes.update({'%c' | format(code): code}) -%}
    {%- endfor -%}
    {%- set inner = [] -%}
    {%- set outer = [] -%}
    {%- for position in range(64) -%}
        {%- set byte = codes[key[position]] if position < key | length else 0 -%}
        {%- set xored = namespace(inner=0, outer=0) -%}
        {%- for bit in range(8) -%}
            {%- set weight = 2 ** bit -%}
            {%- set key_bit = (byte // weight) % 2 -%}
            {%- set xored.inner = xored.inner + ((key_bit + (54 // weight) % 2) % 2) * weight -%}
            {%- set xored.outer = xored.outer + ((key_bit + (92 // weight) % 2) % 2) * weight -%}
        {%- endfor -%}
        {%- do inner.append('%02x' | format(xored.inner)) -%}
        {%- do outer.append('%02x' | format(xored.outer)) -%}
    {%- endfor -%}
    {{ return({'inner': inner | join(''), 'outer': outer | join('')}) }}
{% endmacro %}
