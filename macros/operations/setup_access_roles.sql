{#-
    Idempotent access setup, run as an on-run-start hook: creates the
    read-only role `reporting` for DBeaver users (LOGIN, password from the
    environment variable CUSTOMER_BEHAVIOUR_REPORTING_PASSWORD when set) and
    gives it USAGE on the schemas users query (marts, analytics) and SELECT
    on what is there now and on what the pipeline creates later (default
    privileges of the pipeline's own role). It gets nothing on raw, staging
    or intermediate, and may create nothing anywhere. The models' `grants`
    config re-applies SELECT after every rebuild.

    Only PostgreSQL has roles here; other targets do nothing. A pipeline user
    without CREATEROLE gets a warning instead of a failed run: ask your
    database administrator to run docker/initdb/01-roles.sql once.
-#}
{% macro setup_access_roles() -%}
    {{ return(adapter.dispatch('setup_access_roles', 'customer_behaviour')()) }}
{%- endmacro %}

{% macro default__setup_access_roles() -%}
    select 1
{%- endmacro %}

{% macro postgres__setup_access_roles() -%}
    {%- set role = var('customer_behaviour__reporting_role', 'reporting') -%}
    {%- set password = env_var('CUSTOMER_BEHAVIOUR_REPORTING_PASSWORD', '') -%}
    do $setup$
    declare
        may_create_roles boolean;
    begin
        select rolcreaterole or rolsuper into may_create_roles
        from pg_roles where rolname = current_user;
        if not exists (select 1 from pg_roles where rolname = '{{ role }}') then
            if not may_create_roles then
                raise warning 'role {{ role }} does not exist and % may not create it; run docker/initdb/01-roles.sql as an administrator', current_user;
                return;
            end if;
            create role {{ role }} login;
        end if;
        {%- if password %}
        if may_create_roles then
            execute format('alter role {{ role }} password %L', {{ "'" ~ password | replace("'", "''") ~ "'" }});
        end if;
        {%- endif %}
        {%- for schema in ['marts', 'analytics'] %}
        create schema if not exists {{ schema }};
        grant usage on schema {{ schema }} to {{ role }};
        grant select on all tables in schema {{ schema }} to {{ role }};
        alter default privileges in schema {{ schema }} grant select on tables to {{ role }};
        {%- endfor %}
        {%- for schema in ['raw', 'staging', 'intermediate'] %}
        if exists (select 1 from pg_namespace where nspname = '{{ schema }}') then
            revoke all on schema {{ schema }} from {{ role }};
            revoke all on all tables in schema {{ schema }} from {{ role }};
        end if;
        {%- endfor %}
    end
    $setup$
{%- endmacro %}
