"""Where the project, its committed sample seeds and the tests' own data are."""

from __future__ import annotations

from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[3]
SEEDS_DIR = PROJECT_DIR / "seeds"
TEST_DATA_DIR = PROJECT_DIR / "python" / "tests" / "data"
