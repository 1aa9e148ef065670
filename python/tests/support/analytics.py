"""Helpers for the analytics-layer tests: run the CLI as a user would."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ANALYZE_OPTIONS = ("--min-support", "0.003", "--min-confidence", "0.05", "--max-len", "3")
"""Lower thresholds than the defaults, so that many rules are compared with the SQL pairs."""


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m customer_behaviour <args>`` with the given environment, in its project
    folder (CUSTOMER_BEHAVIOUR_PROJECT_DIR) when it names one."""
    return subprocess.run(
        [sys.executable, "-m", "customer_behaviour", *args],
        cwd=env.get("CUSTOMER_BEHAVIOUR_PROJECT_DIR"),
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def run_cli_ok(env: dict[str, str], *args: str) -> None:
    """run_cli, failing the test with the command's stderr unless it succeeds."""
    result = run_cli(env, *args)
    assert result.returncode == 0, f"customer-behaviour {' '.join(args)}:\n{result.stderr}"


def assert_clean_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    """Exit code 2, one `error:` line naming what to do, and no traceback."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def run_cli_in_process(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str],
    *args: str,
) -> subprocess.CompletedProcess[str]:
    """The same, in this process (no start-up cost): environment set, output captured."""
    from customer_behaviour.cli import main

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(env["CUSTOMER_BEHAVIOUR_PROJECT_DIR"])
    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    return subprocess.CompletedProcess(list(args), code, captured.out, captured.err)


def minimal_manifest(folder: Path, models: dict[str, str] | None = None) -> Path:
    """A dbt target folder whose manifest.json declares only the given models (name -> schema)."""
    nodes = {
        f"model.customer_behaviour.{name}": {
            "resource_type": "model",
            "name": name,
            "schema": schema,
            "alias": name,
        }
        for name, schema in (models or {}).items()
    }
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {"metadata": {}, "nodes": nodes, "sources": {}}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder
