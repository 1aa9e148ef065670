"""What ``make run`` checks before dbt starts, so that the usual reasons a build cannot start
end in one line that says what to do, not in the middle of dbt's log:

- DuckDB: no other process may have the warehouse file open. DuckDB lets one process write a
  file and, while it is open for writing, no other process open it at all; a process that has
  it open, even read-only, keeps writers out (DBeaver holds its connection open until you
  disconnect). The project reports the holder rather than building into a new file and
  renaming it over the old one: the incremental models need the previous file, a reader would
  silently go on reading the old copy, and Windows cannot rename over an open file.
- the e-mail hash key (:mod:`customer_behaviour.email_key`): set, or created on DuckDB.

A reader who connects between this check and dbt's start still makes dbt fail, with DuckDB's
own message naming the process.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from customer_behaviour.email_key import EmailHashKey, resolve_key
from customer_behaviour.errors import UserError
from customer_behaviour.profile import WarehouseTarget, load_target, project_dir

_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


def duckdb_open_error(path: Path, error: BaseException) -> UserError:
    """One line for a DuckDB file that would not open: who holds it, or DuckDB's reason."""
    message = " ".join(str(error).split())
    holder = _LOCK_HOLDER.search(message)
    if holder:
        return UserError(
            f"the DuckDB file {path} is open in another process ({holder['program']}, PID "
            f"{holder['pid']}) and DuckDB lets no other process write it meanwhile, even when "
            "that one only reads: disconnect it (in DBeaver: Disconnect, or close DBeaver) "
            "or end that process, then run the command again"
        )
    return UserError(
        f"cannot open the DuckDB file {path} ({message}); close other programs that hold it "
        "(DBeaver, another run) and retry"
    )


def check_duckdb_file_free(path: Path) -> None:
    """A UserError when another process holds `path` (a file not created yet is free)."""
    import duckdb

    if not path.exists():
        return
    try:
        duckdb.connect(str(path)).close()
    except duckdb.Error as error:
        raise duckdb_open_error(path, error) from error


@dataclass(frozen=True)
class Preflight:
    """A target a build may start on, and the e-mail hash key dbt gets."""

    target: WarehouseTarget
    key: EmailHashKey


def preflight(target_name: str | None, say: Callable[[str], object]) -> Preflight:
    """Check that a build on the target can start now; the key, created on DuckDB if need be."""
    target = load_target(target_name)
    if target.adapter_type == "duckdb" and target.duckdb_path is not None:
        check_duckdb_file_free(target.duckdb_path)
    key = resolve_key(target.adapter_type, target.target_name, os.environ, project_dir(), say)
    return Preflight(target, key)
