"""Where the marts are, and what the analytics tables are, as dbt's ``manifest.json`` says.

No schema or table name of a mart is written in Python: models are looked up by name in the
manifest that ``dbt build`` wrote (``$DBT_TARGET_PATH/manifest.json``, default
``<project>/target/manifest.json``), and the schema, table names and descriptions of the
tables the Python layer writes come from the dbt source ``analytics``
(``models/analytics/_analytics__sources.yml``).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from customer_behaviour.errors import UserError
from customer_behaviour.profile import project_dir

MANIFEST_FILE = "manifest.json"
ANALYTICS_SOURCE = "analytics"
"""The dbt source that declares every table the Python layer writes (the one name we keep)."""

BUILD_HINT = "run `make run` (or `dbt build`) first"


@dataclass(frozen=True)
class Relation:
    """A table or view in the warehouse: schema and name (the database is the connection's)."""

    schema: str
    name: str

    def __str__(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True)
class SourceTable:
    """A table declared in a dbt source: where it goes and how dbt docs describe it."""

    relation: Relation
    description: str
    column_descriptions: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Manifest:
    """The parts of dbt's manifest.json the Python layer needs."""

    path: Path
    nodes: dict[str, dict[str, Any]]
    sources: dict[str, dict[str, Any]]

    def _model_node(self, name: str) -> dict[str, Any] | None:
        candidates = [
            node
            for node in self.nodes.values()
            if node.get("resource_type") == "model" and node.get("name") == name
        ]
        if not candidates:
            return None
        # Versioned models: the latest version is the one a plain ref() resolves to.
        return max(candidates, key=lambda node: str(node.get("version") or ""))

    def has_model(self, name: str) -> bool:
        """True when the project defines a model of that name."""
        return self._model_node(name) is not None

    def model(self, name: str) -> Relation:
        """The relation a model was built into; a UserError when the manifest lacks it."""
        node = self._model_node(name)
        if node is None:
            raise UserError(
                f"model {name} is not in {self.path}: the dbt project there is older than this "
                f"code or was not parsed; {BUILD_HINT}"
            )
        return Relation(schema=node["schema"], name=node.get("alias") or node["name"])

    def analytics_tables(self) -> dict[str, SourceTable]:
        """Every table of the source ``analytics``, by table name."""
        tables: dict[str, SourceTable] = {}
        for source in self.sources.values():
            if source.get("source_name") != ANALYTICS_SOURCE:
                continue
            columns = {
                name: str(column.get("description") or "")
                for name, column in (source.get("columns") or {}).items()
            }
            tables[source["name"]] = SourceTable(
                relation=Relation(
                    schema=source["schema"], name=source.get("identifier") or source["name"]
                ),
                description=str(source.get("description") or ""),
                column_descriptions=columns,
            )
        return tables

    def analytics_table(self, name: str) -> SourceTable:
        """One table of the source ``analytics``; a UserError when it is not declared."""
        tables = self.analytics_tables()
        if name not in tables:
            raise UserError(
                f"table {name} is not declared in dbt source '{ANALYTICS_SOURCE}' in {self.path}: "
                f"the manifest is older than this code; {BUILD_HINT}"
            )
        return tables[name]


def target_path() -> Path:
    """dbt's target folder: $DBT_TARGET_PATH (relative to the project) or <project>/target."""
    configured = os.environ.get("DBT_TARGET_PATH")
    path = Path(configured).expanduser() if configured else Path("target")
    return path if path.is_absolute() else project_dir() / path


def manifest_path() -> Path:
    """Where ``dbt build`` left its manifest."""
    return target_path() / MANIFEST_FILE


def load_manifest(path: Path | None = None) -> Manifest:
    """Read manifest.json; a UserError telling the user to build when it is missing or broken."""
    path = path or manifest_path()
    if not path.is_file():
        raise UserError(
            f"no dbt manifest at {path}: the project has not been built here; {BUILD_HINT} "
            "(set DBT_TARGET_PATH if dbt writes its target folder elsewhere)"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UserError(f"cannot read the dbt manifest {path} ({error}); {BUILD_HINT}") from error
    if not isinstance(data, dict) or "nodes" not in data or "sources" not in data:
        raise UserError(f"{path} is not a dbt manifest; {BUILD_HINT}")
    return Manifest(
        path=path,
        nodes=data["nodes"],
        sources=data["sources"],
    )
