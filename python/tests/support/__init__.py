"""Helpers of the test suite: builds, the pandas reference, comparisons, cases."""
