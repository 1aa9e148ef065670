#!/usr/bin/env bash
# Runs once when the PostgreSQL container initialises its volume: the
# read-only role DBeaver users connect with. `make run` re-applies the grants
# on every build (macros/operations/setup_access_roles.sql), so this only has to create it.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v role="reporting" -v password="${CUSTOMER_BEHAVIOUR_REPORTING_PASSWORD:-}" <<'SQL'
select format('create role %I login', :'role')
where not exists (select 1 from pg_roles where rolname = :'role') \gexec
select format('alter role %I password %L', :'role', :'password')
where :'password' <> '' \gexec
SQL
