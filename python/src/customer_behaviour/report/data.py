"""Reading the report's tables: the marts and analytics tables of one target, by dbt name.

What the report may read is what its dbt exposure ``insight_report``
(``models/exposures/_report__exposures.yml``) depends on: a mart through ``ref()``, a table of
the source ``analytics`` through ``source()``. The relations come from dbt's manifest like
everywhere else in the Python layer, and so does the configuration the report shares with the
models: the exposure's ``meta`` renders the dbt variables the report needs (the funnel
segments), so the manifest carries the values the marts were built with.

A table that is missing (``analyze`` has not run yet, or the warehouse was built by an older
version) raises :class:`MissingData`, whose message says what to run; the part of the report
that needed it becomes a notice and the rest is still written.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from customer_behaviour.manifest import ANALYTICS_SOURCE, BUILD_HINT, Manifest, Relation
from customer_behaviour.profile import WarehouseTarget
from customer_behaviour.warehouse import Warehouse

EXPOSURE = "insight_report"
"""The dbt exposure that declares what the report reads."""
EXPOSURE_FILE = "models/exposures/_report__exposures.yml"
FUNNEL_SEGMENTS = "customer_behaviour__funnel_segments"
"""The dbt variable (rendered into the exposure's meta) with the session breakdowns."""

SESSION_COLUMNS = (
    "session_id",
    "customer_id",
    "session_start_at",
    "device",
    "traffic_source",
    "country",
    "session_seconds",
    "first_event_delay_seconds",
    "event_count",
    "events_per_minute",
    "did_purchase",
    "n_orders",
    "amount_usd",
)
"""The columns of fct_sessions the report reads (the segment columns are added to them)."""
SESSION_NUMBERS = (
    "session_seconds",
    "first_event_delay_seconds",
    "event_count",
    "events_per_minute",
    "n_orders",
    "amount_usd",
)


class MissingData(Exception):
    """A table a part of the report needs is not there; the message says what to run."""

    @property
    def notice(self) -> str:
        """The notice a part of the report shows instead of its content."""
        return f"This part is missing: {self}."


def numeric(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """The given columns as floats (PostgreSQL and DuckDB return different Python types)."""
    for column in columns:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return frame


class ReportData:
    """The tables of one target that the report's exposure lists, each read once."""

    def __init__(self, warehouse: Warehouse, manifest: Manifest, target: WarehouseTarget):
        self.warehouse = warehouse
        self.manifest = manifest
        self.target = target
        exposure = manifest.exposure(EXPOSURE)
        self.marts = frozenset(exposure.models)
        self.analytics_tables = frozenset(exposure.source_tables(ANALYTICS_SOURCE))
        self.segment_columns = exposure.meta_names(FUNNEL_SEGMENTS)
        """The breakdowns of the funnel marts, as the dbt variable says (columns of
        fct_sessions)."""
        self.read_names: set[str] = set()
        """Every mart and analytics table asked for so far (``analytics.<name>`` for these)."""
        self._declared = manifest.analytics_tables()
        self._cache: dict[tuple[str, tuple[str, ...] | None], pd.DataFrame] = {}

    def _read(self, relation: Relation, columns: Sequence[str] | None, what: str) -> pd.DataFrame:
        key = (str(relation), tuple(columns) if columns else None)
        if key not in self._cache:
            if not self.warehouse.exists(relation):
                raise MissingData(f"{relation} does not exist yet: {what}")
            if columns:
                available = set(self.warehouse.column_names(relation))
                missing = [column for column in columns if column not in available]
                if missing:
                    raise MissingData(
                        f"{relation} lacks column(s) {', '.join(missing)}: it was built by an "
                        f"older version; {what}"
                    )
            self._cache[key] = self.warehouse.read(relation, columns)
        return self._cache[key].copy()

    def model(self, name: str, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """A mart by model name; MissingData when the project or the target lacks it."""
        if name not in self.marts:
            raise ValueError(f"the report reads {name}: add ref('{name}') to {EXPOSURE_FILE}")
        self.read_names.add(name)
        rebuild = f"run `make run TARGET={self.target.target_name}` (or `dbt build`)"
        if not self.manifest.has_model(name):
            raise MissingData(f"the dbt project has no model {name} here; {rebuild}")
        return self._read(self.manifest.model(name), columns, rebuild)

    def analytics(self, name: str) -> pd.DataFrame:
        """A table of the dbt source ``analytics``; MissingData until ``analyze`` has run."""
        if name not in self.analytics_tables:
            raise ValueError(
                f"the report reads analytics.{name}: add source('{ANALYTICS_SOURCE}', '{name}') "
                f"to {EXPOSURE_FILE}"
            )
        self.read_names.add(f"{ANALYTICS_SOURCE}.{name}")
        analyze = (
            f"run `customer-behaviour analyze --target {self.target.target_name}` "
            "(`make run` does it)"
        )
        if name not in self._declared:
            raise MissingData(f"source analytics declares no table {name}; {BUILD_HINT}")
        return self._read(self._declared[name].relation, None, analyze)

    def sessions(self) -> pd.DataFrame:
        """fct_sessions with typed columns: numbers, the outcome as booleans, start times."""
        columns = list(dict.fromkeys([*SESSION_COLUMNS, *self.segment_columns]))
        frame = self.model("fct_sessions", columns)
        for column in SESSION_NUMBERS:
            frame[column] = pd.to_numeric(frame[column], errors="coerce")
        frame["did_purchase"] = frame["did_purchase"].astype(bool)
        frame["session_start_at"] = pd.to_datetime(frame["session_start_at"])
        return frame
