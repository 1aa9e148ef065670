"""The planted build: a small generated shop plus every planted odd row, loaded in two batches
and run through the pipeline twice (``make run USE_SEEDS=false`` without the report). A pytest
plugin (python/tests/conftest.py) for its fixture ``planted_builds``.

The bad-input tests check its outcomes, the idempotency test compares its two runs, and the
crash tests start from a copy of its PostgreSQL database.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from support.analytics import run_cli
from support.bad_input_cases import plant
from support.build import Build, private_build, run_dbt
from support.checksums import Snapshot, snapshot

BASE_SESSIONS = 300
BASE_SEED = 7
NEW_DATA_SEED = 8
RUN_SCHEMAS = ("marts", "analytics")
"""What `make run` writes and users query; every table in them is compared between runs."""
NO_SEEDS = "{customer_behaviour__use_seeds: false}"


@dataclass
class PlantedBuild:
    build: Build
    folders: list[Path]
    records: dict[str, int]
    loads: list[subprocess.CompletedProcess[str]] = field(default_factory=list)
    runs: list[Snapshot] = field(default_factory=list)


def generate_base(folder: Path, seed: int = BASE_SEED) -> Path:
    """A clean generated shop (no defects: every rejection in it is a planted one)."""
    from customer_behaviour.generate import GeneratorConfig, generate_to_folder

    generate_to_folder(GeneratorConfig(n_sessions=BASE_SESSIONS, seed=seed), folder, False)
    (folder / "defects_manifest.csv").unlink()
    return folder


def load(build: Build, folder: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """``customer-behaviour load`` as a user runs it; fails the test on a non-zero exit."""
    result = run_cli(build.env, "load", "--data", str(folder), "--target", build.target, *options)
    if result.returncode != 0:
        pytest.fail(f"load {folder} failed:\n{result.stdout}\n{result.stderr}")
    return result


def run_pipeline(build: Build) -> None:
    """What `make run USE_SEEDS=false` runs before the report: dbt build, then analyze."""
    run_dbt(build.env, "build", "--target", build.target, "--vars", NO_SEEDS)
    result = run_cli(build.env, "analyze", "--target", build.target, "--quiet")
    if result.returncode != 0:
        pytest.fail(f"analyze failed:\n{result.stdout}\n{result.stderr}")


def planted_build(tmp: Path, target: str) -> PlantedBuild:
    build = private_build(tmp, target, "planted")
    base = generate_base(tmp / "base")
    folders = [tmp / "batch1", tmp / "batch2"]
    counts = [plant(base, folder, batch) for batch, folder in enumerate(folders, start=1)]
    records = {table: counts[0][table] + counts[1][table] for table in counts[0]}
    planted = PlantedBuild(build, folders, records)
    planted.loads.append(load(build, folders[0], "--quiet"))
    planted.loads.append(load(build, folders[1], "--quiet", "--append"))
    for _ in range(2):
        run_pipeline(build)
        planted.runs.append(snapshot(build, RUN_SCHEMAS))
    return planted


@pytest.fixture(scope="session")
def planted_builds(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], PlantedBuild]:
    """target -> the planted build, made once per target."""
    made: dict[str, PlantedBuild] = {}

    def get(target: str) -> PlantedBuild:
        if target not in made:
            made[target] = planted_build(tmp_path_factory.mktemp(f"planted_{target}"), target)
        return made[target]

    return get
