"""Least privilege on PostgreSQL: the `reporting` role DBeaver users connect with can read
every mart and analytics table, and nothing else; no table it can read holds an e-mail."""

from __future__ import annotations

import os

import psycopg2
import pytest

from support.build import Build

REPORTING_ROLE = "reporting"


@pytest.fixture
def postgres_build(build: Build) -> Build:
    if build.target != "postgres":
        pytest.skip("roles exist on PostgreSQL only")
    return build


def _connect_as_reporting(build: Build):
    return psycopg2.connect(
        host=os.environ.get("PGHOST", "127.0.0.1"),
        port=int(os.environ.get("PGPORT", "5432")),
        user=REPORTING_ROLE,
        password=os.environ.get("CUSTOMER_BEHAVIOUR_REPORTING_PASSWORD") or None,
        dbname=build.env["PGDATABASE"],
        connect_timeout=5,
    )


def _fails(connection, statement: str) -> bool:
    with connection.cursor() as cursor:
        try:
            cursor.execute(statement)
        except psycopg2.Error:
            connection.rollback()
            return True
    connection.rollback()
    return False


def test_reporting_reads_every_mart_and_nothing_upstream(postgres_build: Build) -> None:
    tables = postgres_build.frame(
        "select table_schema, table_name from information_schema.tables"
        " where table_schema in"
        " ('marts', 'analytics', 'raw', 'manifest', 'staging', 'intermediate')"
    )
    readable = tables[tables["table_schema"].isin(["marts", "analytics"])]
    hidden = tables[~tables["table_schema"].isin(["marts", "analytics"])]
    assert len(readable) >= 3 and len(hidden) >= 6
    with _connect_as_reporting(postgres_build) as connection:
        for schema, table in readable.itertuples(index=False):
            assert not _fails(connection, f'select * from "{schema}"."{table}" limit 1'), table
        for schema, table in hidden.itertuples(index=False):
            assert _fails(connection, f'select * from "{schema}"."{table}" limit 1'), table
        assert _fails(connection, "select * from raw.customers limit 1")


def test_reporting_cannot_create_or_drop(postgres_build: Build) -> None:
    with _connect_as_reporting(postgres_build) as connection:
        for schema in ["marts", "analytics", "public", "raw", "manifest", "staging"]:
            assert _fails(connection, f"create table {schema}.intruder (a int)"), schema
        assert _fails(connection, "drop table marts.fct_sessions")
        assert _fails(connection, "delete from marts.fct_sessions")
        assert _fails(connection, "create schema intruder")


def test_no_email_column_is_visible_to_reporting(postgres_build: Build) -> None:
    with _connect_as_reporting(postgres_build) as connection, connection.cursor() as cursor:
        # information_schema lists only the columns of tables the role may use.
        cursor.execute(
            "select table_schema, table_name, column_name from information_schema.columns"
            " where column_name ilike '%email%' and column_name <> 'email_hash'"
            " and table_schema not in ('pg_catalog', 'information_schema')"
        )
        assert cursor.fetchall() == []


def test_marts_carry_descriptions_and_filter_indexes(postgres_build: Build) -> None:
    """DBeaver shows dbt's descriptions as comments; filters on keys and dates use indexes."""
    comments = postgres_build.frame(
        "select obj_description('marts.fct_sessions'::regclass) as table_comment,"
        " col_description('marts.fct_sessions'::regclass, 1) as first_column_comment"
    )
    assert comments.loc[0, "table_comment"].startswith("The gold table")
    assert comments.loc[0, "first_column_comment"]
    indexes = postgres_build.frame(
        "select tablename, indexdef from pg_indexes where schemaname = 'marts'"
    )
    defs = " ".join(indexes["indexdef"])
    for needle in [
        "fct_sessions USING btree (session_id)",
        "dim_customers USING btree (customer_id)",
    ]:
        assert needle in defs, needle
