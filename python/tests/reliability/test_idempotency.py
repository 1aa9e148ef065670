"""Running the pipeline twice in a row leaves every mart and analytics table identical.

The planted build (support.reliability) runs `dbt build` + `customer-behaviour analyze` twice
on the same raw data, on each target; every table of schemas marts and analytics (listed from
the database) must have the same rows and order-independent checksum after both runs.
"""

from __future__ import annotations

import pytest

from support.build import TARGETS
from support.checksums import differences
from support.reliability import RUN_SCHEMAS


@pytest.mark.parametrize("target", TARGETS)
def test_a_second_run_changes_no_table(target: str, planted_builds) -> None:
    planted = planted_builds(target)
    first, second = planted.runs
    schemas = {name.split(".")[0] for name in first}
    assert schemas == set(RUN_SCHEMAS), f"expected tables in {RUN_SCHEMAS}, found {schemas}"
    assert "marts.fct_sessions" in first and "analytics.association_rules" in first
    assert sum(rows for rows, _ in first.values()) > 1000
    problems = differences(first, second)
    assert not problems, "the second run changed tables:\n" + "\n".join(problems)
