"""A local SparkSession configured exactly like the dbt profile's Spark target.

dbt-spark's ``session`` method runs Spark inside the dbt process with the profile's
``server_side_parameters`` as Spark settings. The Python layer starts its own session with the
same settings, so it uses the same warehouse folder and the same (Derby) metastore and sees the
tables dbt wrote. Derby lets one JVM at a time open a metastore: ``analyze`` and ``report`` can
only start once ``dbt build`` has finished, which is how ``make run`` orders them anyway.

Nothing here runs at import time; pyspark is imported only when a session is started, so the
rest of the package works without the ``spark`` extra.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING

from customer_behaviour.errors import UserError
from customer_behaviour.profile import SPARK_INSTALL_HINT

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

MIN_JAVA_VERSION = 17
"""pyspark 4 runs on Java 17 or newer."""

PYTHON_ONLY_SETTINGS = {
    # The CLI prints its own progress; Spark's console bars would garble it.
    "spark.ui.showConsoleProgress": "false",
    "spark.ui.enabled": "false",
}
"""Settings of the Python layer's session that do not change what it reads or writes."""

_DERBY_LOCKED = "Another instance of Derby may have already booted the database"


def java_executable() -> str | None:
    """The java that pyspark will launch: $JAVA_HOME/bin/java, else the one on PATH."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        candidate = os.path.join(java_home, "bin", "java")
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("java")


def java_major_version(java: str) -> int | None:
    """The major version `java -version` reports (8 for 1.8.x), or None when unreadable."""
    try:
        result = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r'version "(\d+)(?:\.(\d+))?', result.stderr + result.stdout)
    if not found:
        return None
    major = int(found.group(1))
    if major == 1 and found.group(2):
        return int(found.group(2))
    return major


def missing_requirement() -> str | None:
    """Why a local Spark cannot start here (pyspark or Java missing), or None when it can."""
    try:
        import dbt.adapters.spark  # noqa: F401
        import pyspark  # noqa: F401
    except ImportError:
        return f"dbt-spark and pyspark are not installed: {SPARK_INSTALL_HINT}"
    java = java_executable()
    if java is None:
        return (
            f"Spark needs Java {MIN_JAVA_VERSION} or newer and none was found (JAVA_HOME, PATH): "
            "install a JDK (e.g. apt-get install openjdk-17-jre-headless) or set JAVA_HOME"
        )
    version = java_major_version(java)
    if version is None or version < MIN_JAVA_VERSION:
        found = "an unreadable version" if version is None else f"Java {version}"
        return (
            f"Spark needs Java {MIN_JAVA_VERSION} or newer, {java} is {found}: install a newer "
            "JDK or point JAVA_HOME at one"
        )
    return None


def require_spark() -> None:
    """A UserError (one line: what to install) unless a local Spark can start."""
    problem = missing_requirement()
    if problem:
        raise UserError(problem)


def start_session(settings: Iterable[tuple[str, str]]) -> SparkSession:
    """Get or create the process's SparkSession (Hive catalog) with these settings.

    Static settings (warehouse folder, metastore) only take effect when no session is running
    yet in this process; a running one is reused as it is, as dbt-spark does.
    """
    require_spark()
    # pyspark warns about every pandas release newer than it was tested with, about pandas
    # deprecations in its own code and about the missing (optional) pyarrow: noise for users.
    warnings.filterwarnings("ignore", module=r"pyspark(\..*)?")
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.enableHiveSupport()
    for key, value in {**PYTHON_ONLY_SETTINGS, **dict(settings)}.items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
        session.sparkContext.setLogLevel("ERROR")
        # Touch the catalog now, so that a locked metastore fails here with a clear message.
        session.catalog.listDatabases()
    except Exception as error:  # py4j and pyspark raise many kinds; say what to do in one line
        message = " ".join(str(error).split())
        if _DERBY_LOCKED in message or "Failed to start database" in message:
            raise UserError(
                "the Spark metastore is in use by another process (a dbt build or analyze still "
                "running?): wait for it to finish and retry"
            ) from error
        raise UserError(f"cannot start Spark ({message[:300]})") from error
    return session


def main() -> int:
    """``python -m customer_behaviour.spark``: exit 2 with one line when Spark cannot start."""
    import sys

    problem = missing_requirement()
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
