"""Customer Behaviour Insight Engine: the Python layer around the dbt project."""

__version__ = "0.1.0"
