"""The secret key of the e-mail hash: where it comes from, and the random one DuckDB gets.

Staging replaces every e-mail address by its HMAC-SHA256 under this key (dbt macro
``email_hash``), so that nobody without the key can recompute a hash from a list of candidate
addresses. dbt reads the key from ``CUSTOMER_BEHAVIOUR_EMAIL_HASH_KEY``; ``make run`` gets it
from here (``customer-behaviour preflight --print-key``):

- set in the environment (or ``.env``, which ``make`` reads): that key, on every target;
- otherwise on DuckDB, a local single-user warehouse: a random key kept in ``.email_hash_key``
  in the project folder (git-ignored), created on the first run and reused after, so the
  hashes stay the same from run to run;
- otherwise (PostgreSQL, Spark: shared warehouses) the run stops and says how to set one: a
  key made up on the spot by whichever machine ran first would be lost with that machine, and
  every other machine would hash with a different one.
"""

from __future__ import annotations

import os
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from customer_behaviour.errors import UserError

KEY_VARIABLE = "CUSTOMER_BEHAVIOUR_EMAIL_HASH_KEY"
RETIRED_SALT_VARIABLE = "CUSTOMER_BEHAVIOUR_EMAIL_SALT"
KEY_FILE_NAME = ".email_hash_key"
MIN_LENGTH = 32
MAX_LENGTH = 64
"""One SHA-256 block: the dbt macro computes the HMAC pads at compile time and cannot hash a
longer key first (macros/privacy/email_hash_key_pads.sql)."""
KEY_ALPHABET = frozenset(string.ascii_letters + string.digits + "._~+/=-")
"""Hex, base64 and base64url keys; nothing that make (`$`, `#`) or a shell would change when
the key sits in .env, and the same set as the dbt macro accepts."""
MAKE_ONE = "python3 -c 'import secrets; print(secrets.token_hex(32))'"


@dataclass(frozen=True)
class EmailHashKey:
    """The key dbt gets, and where it came from (for the user, never the key itself)."""

    value: str
    origin: str


def check_key(value: str, where: str, fix: str = f"make one with: {MAKE_ONE}") -> str:
    """The key if it is usable, else a UserError that names `where` it was found."""
    if not MIN_LENGTH <= len(value) <= MAX_LENGTH or not set(value) <= KEY_ALPHABET:
        raise UserError(
            f"the e-mail hash key in {where} must be {MIN_LENGTH} to {MAX_LENGTH} letters, "
            f"digits or ._~+/=- (it has {len(value)} characters); {fix}"
        )
    return value


def _read_key_file(path: Path) -> str:
    return check_key(
        path.read_text(encoding="ascii", errors="replace").strip(),
        str(path),
        fix="delete the file to get a new random key (every email_hash then changes once)",
    )


def _create_key_file(path: Path) -> bool:
    """Write a new random key to `path` (owner-only); False when another run just did."""
    import secrets

    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(secrets.token_hex(MAX_LENGTH // 2) + "\n")
    return True


def resolve_key(
    adapter_type: str,
    target_name: str,
    environ: Mapping[str, str],
    project: Path,
    say: Callable[[str], object],
) -> EmailHashKey:
    """The e-mail hash key for a build on a target of `adapter_type` (see the module doc)."""
    if environ.get(RETIRED_SALT_VARIABLE):
        raise UserError(
            f"{RETIRED_SALT_VARIABLE} is no longer read: e-mail hashes are now HMAC-SHA256 "
            f"with the key {KEY_VARIABLE}; remove the salt from .env and the environment "
            f"(every email_hash changes once) and set {KEY_VARIABLE} instead, or on DuckDB "
            "leave it unset to get a random key"
        )
    if environ.get(KEY_VARIABLE):
        return EmailHashKey(check_key(environ[KEY_VARIABLE], KEY_VARIABLE), KEY_VARIABLE)
    if adapter_type != "duckdb":
        kind = "" if target_name == adapter_type else f" ({adapter_type})"
        raise UserError(
            f"{KEY_VARIABLE} is not set: target {target_name}{kind} hashes e-mail "
            f"addresses with a secret key that you choose and keep; add a line "
            f"{KEY_VARIABLE}=<{MIN_LENGTH} to {MAX_LENGTH} characters> to .env (make one "
            f"with: {MAKE_ONE})"
        )
    path = project / KEY_FILE_NAME
    if _create_key_file(path):
        say(
            f"created a random e-mail hash key in {path} (git-ignored): keep it, the same "
            "key gives the same email_hash on every run"
        )
        return EmailHashKey(_read_key_file(path), f"{path} (new)")
    return EmailHashKey(_read_key_file(path), str(path))
