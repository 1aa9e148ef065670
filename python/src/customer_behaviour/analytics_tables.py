"""The names of the tables the Python layer writes to the dbt source ``analytics``, once.

dbt declares each table (``models/analytics/_analytics__sources.yml``: schema, description,
columns) and the report's exposure lists the ones it reads; ``analyze`` writes every table
under these names and the report reads them by the same names, so a rename is one edit here
and one in the YAML (the tests check that the two agree).
"""

from __future__ import annotations

ASSOCIATION_RULES = "association_rules"
ASSOCIATION_DIAGNOSTICS = "association_diagnostics"
CONVERSION_DRIVERS = "conversion_drivers"
CONVERSION_CALIBRATION = "conversion_calibration"
SPEND_DRIVERS = "spend_drivers"
PURCHASE_STYLE_COMPARISON = "purchase_style_comparison"
EXPERIMENT_SIZING = "experiment_sizing"
PATH_REMOVAL_EFFECTS = "path_removal_effects"
FUNNEL_SEGMENT_COMPARISON = "funnel_segment_comparison"
FUNNEL_PERIOD_CHANGE = "funnel_period_change"
CHANNEL_ATTRIBUTION_MARKOV = "channel_attribution_markov"
