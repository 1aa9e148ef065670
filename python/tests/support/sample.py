"""Fixtures of the committed sample (a pytest plugin, registered in python/tests/conftest.py):
the raw seed tables, their pandas staging (support.reference) and the generator's defect
manifest. None of them builds anything."""

from __future__ import annotations

import pandas as pd
import pytest

from support.paths import SEEDS_DIR, TEST_DATA_DIR
from support.reference import read_raw, stage_all


@pytest.fixture(scope="session")
def raw_tables() -> dict[str, pd.DataFrame]:
    return read_raw(SEEDS_DIR)


@pytest.fixture(scope="session")
def staged_reference(raw_tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    return stage_all(raw_tables)


@pytest.fixture(scope="session")
def defects_manifest() -> pd.DataFrame:
    return pd.read_csv(
        TEST_DATA_DIR / "sample_defects_manifest.csv", dtype=str, keep_default_na=False
    )
