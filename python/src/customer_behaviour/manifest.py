"""Where the marts are, and what the analytics tables are, as dbt's ``manifest.json`` says.

No schema or table name of a mart is written in Python: models are looked up by name in the
manifest that ``dbt build`` wrote (``$DBT_TARGET_PATH/manifest.json``, default
``<project>/target/manifest.json``), and the schema, table names and descriptions of the
tables the Python layer writes come from the dbt source ``analytics``
(``models/analytics/_analytics__sources.yml``). What a consumer of the marts reads, and the dbt
variables it needs, come from its exposure (:meth:`Manifest.exposure`): the variables are
rendered into the exposure's ``meta`` (``"{{ var('...') }}"``), so they reach the manifest with
the values of the build, ``--vars`` included, and Python never keeps a copy of them.
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
class Exposure:
    """A dbt exposure: the models and source tables it reads, and its ``meta``."""

    name: str
    path: Path
    """The manifest it comes from (for messages)."""
    models: tuple[str, ...]
    sources: tuple[tuple[str, str], ...]
    """(source name, table name) pairs."""
    meta: dict[str, Any] = field(default_factory=dict)

    def source_tables(self, source_name: str) -> tuple[str, ...]:
        """The tables of one source that the exposure reads, in the order it lists them."""
        return tuple(table for source, table in self.sources if source == source_name)

    def meta_names(self, key: str) -> tuple[str, ...]:
        """A ``meta`` entry that holds a list of names (such as a rendered dbt variable); a
        UserError when it is absent or not a list of non-empty strings."""
        value = self.meta.get(key)
        if not isinstance(value, list) or not all(
            isinstance(item, str) and item.strip() for item in value
        ):
            raise UserError(
                f"exposure {self.name} in {self.path} has no list of names in meta.{key} "
                f"(found {value!r}): the manifest is older than this code; {BUILD_HINT}"
            )
        return tuple(value)

    def meta_integer(self, key: str) -> int:
        """A ``meta`` entry that holds a whole number (such as a rendered dbt variable); a
        UserError when it is absent or not a whole number."""
        value = self.meta.get(key)
        try:
            number = int(str(value).strip())
        except ValueError:
            number = None
        if isinstance(value, bool) or number is None:
            raise UserError(
                f"exposure {self.name} in {self.path} has no whole number in meta.{key} "
                f"(found {value!r}): set the dbt variable {key} to one; {BUILD_HINT}"
            )
        return number


@dataclass(frozen=True)
class Manifest:
    """The parts of dbt's manifest.json the Python layer needs."""

    path: Path
    nodes: dict[str, dict[str, Any]]
    sources: dict[str, dict[str, Any]]
    exposures: dict[str, dict[str, Any]] = field(default_factory=dict)

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

    def exposure(self, name: str) -> Exposure:
        """An exposure by name; a UserError when the manifest lacks it."""
        for node in self.exposures.values():
            if node.get("name") == name:
                config_meta = (node.get("config") or {}).get("meta") or {}
                return Exposure(
                    name=name,
                    path=self.path,
                    models=tuple(str(ref["name"]) for ref in node.get("refs") or ()),
                    sources=tuple((str(s), str(t)) for s, t in node.get("sources") or ()),
                    meta={**(node.get("meta") or {}), **config_meta},
                )
        raise UserError(
            f"exposure {name} is not in {self.path}: the dbt project there is older than this "
            f"code or was not parsed; {BUILD_HINT}"
        )

    def analytics_tables(self) -> dict[str, SourceTable]:
        """Every table of the source ``analytics``, by table name."""
        return self.source_tables(ANALYTICS_SOURCE)

    def source_tables(self, source_name: str) -> dict[str, SourceTable]:
        """Every table of one dbt source, by table name."""
        tables: dict[str, SourceTable] = {}
        for source in self.sources.values():
            if source.get("source_name") != source_name:
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
        return self.source_table(ANALYTICS_SOURCE, name)

    def source_table(self, source_name: str, name: str) -> SourceTable:
        """One table of a dbt source; a UserError when it is not declared."""
        tables = self.source_tables(source_name)
        if name not in tables:
            raise UserError(
                f"table {name} is not declared in dbt source '{source_name}' in {self.path}: "
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
        exposures=data.get("exposures") or {},
    )
