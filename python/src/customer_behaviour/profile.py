"""The warehouse connection, read from the same dbt profile and target that ``dbt build`` used.

There is no second place to configure credentials: the profile
``customer_behaviour`` in ``$DBT_PROFILES_DIR/profiles.yml`` (default: the
project folder, then ``~/.dbt``) is rendered by dbt itself, so ``env_var()``
and the target selection behave exactly as in dbt.
"""

from __future__ import annotations

import os
import re
from argparse import Namespace
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from customer_behaviour.errors import UserError

PROFILE_NAME = "customer_behaviour"
SUPPORTED_TYPES = ("duckdb", "postgres", "spark")
SPARK_INSTALL_HINT = "run `make install EXTRAS=dev,spark` (or pip install -e '.[spark]')"


@dataclass(frozen=True)
class WarehouseTarget:
    """Where the marts live, as the dbt profile says."""

    target_name: str
    adapter_type: str
    duckdb_path: Path | None = None
    host: str | None = None
    port: int | None = None
    user: str | None = None
    password: str | None = None
    database: str | None = None
    spark_method: str | None = None
    spark_conf: tuple[tuple[str, str], ...] = ()
    """Spark: the profile's server_side_parameters, which the Python layer's session reuses."""
    duckdb_settings: tuple[tuple[str, str], ...] = ()
    """DuckDB: the profile's `settings` (memory_limit, ...), which the loader and the Python
    layer apply to their own connections too, so every step keeps to the same memory."""

    def apply_duckdb_settings(self, connection: Any) -> None:
        """Apply the profile's DuckDB settings to an open connection.

        With SET rather than ``duckdb.connect(config=...)``: DuckDB refuses a second
        connection to an open file with a different config in the same process, and a
        SET changes the open database's setting for every connection to it.
        """
        for name, value in self.duckdb_settings:
            if not re.fullmatch(r"[a-z_]+", name):
                raise UserError(
                    f"DuckDB setting {name!r} in profiles.yml is not a setting name; "
                    "fix the settings of the duckdb output"
                )
            quoted = value.replace("'", "''")
            connection.execute(f"set {name} = '{quoted}'")

    def describe(self) -> str:
        """One line for humans: where to point DBeaver."""
        if self.adapter_type == "duckdb":
            return f"DuckDB file {self.duckdb_path}"
        if self.adapter_type == "spark":
            warehouse = dict(self.spark_conf).get("spark.sql.warehouse.dir", "Spark's default")
            if self.spark_method == "session":
                return f"Spark (session; warehouse {warehouse})"
            return f"Spark ({self.spark_method} {self.host})"
        return f"PostgreSQL {self.user}@{self.host}:{self.port}/{self.database}"


def project_dir() -> Path:
    """The dbt project folder: $CUSTOMER_BEHAVIOUR_PROJECT_DIR or the current folder."""
    return Path(os.environ.get("CUSTOMER_BEHAVIOUR_PROJECT_DIR", ".")).resolve()


def profiles_dir() -> Path:
    """Where dbt looks for profiles.yml: $DBT_PROFILES_DIR, the project, then ~/.dbt."""
    if os.environ.get("DBT_PROFILES_DIR"):
        return Path(os.environ["DBT_PROFILES_DIR"]).expanduser().resolve()
    if (project_dir() / "profiles.yml").exists():
        return project_dir()
    return Path.home() / ".dbt"


def load_target(target: str | None = None) -> WarehouseTarget:
    """Render the dbt profile with dbt's own machinery and return the chosen target."""
    from dbt.config.profile import Profile, read_profile
    from dbt.config.renderer import ProfileRenderer
    from dbt.flags import set_from_args
    from dbt_common.context import set_invocation_context
    from dbt_common.exceptions import DbtBaseException

    folder = profiles_dir()
    if not (folder / "profiles.yml").exists():
        raise UserError(
            f"no profiles.yml in {folder}: run `make install` (it copies profiles.example.yml) "
            "or set DBT_PROFILES_DIR"
        )
    set_from_args(Namespace(), None)
    set_invocation_context(dict(os.environ))
    try:
        raw_profiles = read_profile(str(folder))
        profile = Profile.from_raw_profiles(
            raw_profiles, PROFILE_NAME, ProfileRenderer({}), target_override=target
        )
    except DbtBaseException as error:
        message = " ".join(str(error).split())
        if "adapter type spark" in message or "dbt-spark[session]" in message:
            raise UserError(
                f"the Spark target needs dbt-spark and pyspark, which are not installed: "
                f"{SPARK_INSTALL_HINT}"
            ) from error
        raise UserError(
            f"cannot read profile '{PROFILE_NAME}' from {folder / 'profiles.yml'}: {message}; "
            "fix the profile or compare it with profiles.example.yml"
        ) from error
    credentials = profile.credentials
    adapter_type = credentials.type
    if adapter_type == "duckdb":
        path = Path(credentials.path)
        if not path.is_absolute():
            path = project_dir() / path
        profile_settings = getattr(credentials, "settings", None) or {}
        settings = tuple((str(key), str(value)) for key, value in profile_settings.items())
        return WarehouseTarget(
            profile.target_name, adapter_type, duckdb_path=path, duckdb_settings=settings
        )
    if adapter_type == "postgres":
        return WarehouseTarget(
            profile.target_name,
            adapter_type,
            host=credentials.host,
            port=int(credentials.port),
            user=credentials.user,
            password=credentials.password or None,
            database=credentials.database,
        )
    if adapter_type == "spark":
        return WarehouseTarget(
            profile.target_name,
            adapter_type,
            host=credentials.host,
            spark_method=str(credentials.method),
            spark_conf=tuple(
                (str(key), str(value)) for key, value in credentials.server_side_parameters.items()
            ),
        )
    raise UserError(
        f"target '{profile.target_name}' is of type {adapter_type}; the Python layer supports "
        f"{', '.join(SUPPORTED_TYPES)}: choose one with CUSTOMER_BEHAVIOUR_TARGET"
    )
