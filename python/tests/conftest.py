"""The test suite's root: registers the support package's plugins (fixtures and markers).

The helpers live in python/tests/support/ (importable as ``support``: pyproject.toml puts
python/tests on pytest's pythonpath); python/tests/README.md describes the layout.
"""

import pytest

# Assertions in the helpers (frame comparisons, clean-error checks) explain their failures too.
pytest.register_assert_rewrite("support")

pytest_plugins = [
    "support.build",
    "support.sample",
    "support.reliability",
    "support.report",
    "support.markers",
]
