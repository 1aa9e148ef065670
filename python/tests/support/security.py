"""Helpers of the security tests (issue 18): `make` as a user runs it, the environment without
an e-mail hash key, and a session of the read-only `reporting` role."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from support.paths import PROJECT_DIR

KEY_VARIABLE = "CUSTOMER_BEHAVIOUR_EMAIL_HASH_KEY"
SALT_VARIABLE = "CUSTOMER_BEHAVIOUR_EMAIL_SALT"
REPORTING_ROLE = "reporting"


def without_key(env: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in env.items() if name not in (KEY_VARIABLE, SALT_VARIABLE)}


def run_make(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`make <args>` in the project as a user runs it, with this test's virtualenv, never
    reinstalling it (-o install), and the key variables and project folder pinned on the
    command line so that a developer's .env cannot change them."""
    return subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-o",
            "install",
            f"BIN={Path(sys.executable).parent}",
            f"{KEY_VARIABLE}={env.get(KEY_VARIABLE, '')}",
            f"{SALT_VARIABLE}={env.get(SALT_VARIABLE, '')}",
            f"CUSTOMER_BEHAVIOUR_PROJECT_DIR={env['CUSTOMER_BEHAVIOUR_PROJECT_DIR']}",
            *args,
        ],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def connect_as_reporting(database: str) -> Any:
    """A psycopg2 connection as the role DBeaver users have."""
    import psycopg2

    return psycopg2.connect(
        host=os.environ.get("PGHOST", "127.0.0.1"),
        port=int(os.environ.get("PGPORT", "5432")),
        user=REPORTING_ROLE,
        password=os.environ.get("CUSTOMER_BEHAVIOUR_REPORTING_PASSWORD") or None,
        dbname=database,
        connect_timeout=5,
    )
