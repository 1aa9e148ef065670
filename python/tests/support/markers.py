"""Markers that say what a test needs (a pytest plugin, registered in python/tests/conftest.py;
the markers themselves are declared in pyproject.toml).

A test that uses a build fixture (directly or through another fixture) is marked ``warehouse``
here, so the mark cannot be forgotten and ``make unit`` (``-m "not warehouse"``) never starts a
build. A warehouse test run against the ``postgres`` or ``spark`` target (a parameter of its
fixtures) gets that target's marker too. Tests that open a database by other means mark
themselves, as do those that need Spark or a browser.
"""

from __future__ import annotations

import pytest

BUILD_FIXTURES = frozenset({"build", "duckdb_build", "planted_builds", "built_report"})
"""The fixtures that run dbt (support.build, support.reliability, support.report)."""
TARGET_MARKERS = ("postgres", "spark")


def _parameters(item: pytest.Item) -> set[str]:
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return set()
    return {value for value in callspec.params.values() if isinstance(value, str)}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if BUILD_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.warehouse)
        if item.get_closest_marker("warehouse") is None:
            continue
        for target in TARGET_MARKERS:
            if target in _parameters(item):
                item.add_marker(target)
