"""Spark as the engine: the session, and a snapshot's exported Parquet as a ``Source``.

A snapshot written out by ``foidesk export`` (Parquet partitioned by year and force) is
read by Spark and wrapped as the same ``Source`` the store gives, so the compiler's Ibis
expressions, the disclosure-control atoms included, run on Spark unchanged and only
aggregated rows come back. The session is local (``local[2]`` unless told otherwise), a
cluster's master URL (``spark://host:7077``, ``yarn``, ``k8s://...``), or a Spark Connect
server (``sc://host:15002``).
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Any

import ibis

from foidesk.records.export import SNAPSHOT_FILE
from foidesk.stats.compiler import SOURCE_TABLES, Source

DEFAULT_MASTER = "local[2]"

# Settings every session gets. Partition values (years, force names) stay text: a force
# called "2023" must not turn into a number. Dates are calendar dates, read in UTC.
SESSION_SETTINGS: dict[str, str] = {
    "spark.sql.sources.partitionColumnTypeInference.enabled": "false",
    "spark.sql.session.timeZone": "UTC",
}
# Settings for a session started here (not a cluster's or a Connect server's own).
LOCAL_SETTINGS: dict[str, str] = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    # A local session's data are small enough that Spark's default 200 shuffle
    # partitions only cost scheduling time.
    "spark.sql.shuffle.partitions": "8",
}


def spark_session(url: str | None = None, *, driver_memory: str | None = None) -> Any:
    """A Spark session: ``local[2]`` by default, else the master URL or ``sc://`` address.

    An active session for the same address is reused. ``driver_memory`` (e.g. ``"4g"``)
    applies to a session started here.
    """
    from pyspark.sql import SparkSession

    url = url or DEFAULT_MASTER
    if url.startswith("sc://"):
        session = SparkSession.builder.remote(url).getOrCreate()
    else:
        builder = SparkSession.builder.master(url).appName("foidesk")
        for key, value in LOCAL_SETTINGS.items():
            builder = builder.config(key, value)
        # Python workers (for in-memory tables) run this interpreter, not whatever
        # python3 is first on the PATH.
        builder = builder.config("spark.pyspark.python", sys.executable)
        if driver_memory:
            builder = builder.config("spark.driver.memory", driver_memory)
        session = builder.getOrCreate()
        session.sparkContext.setLogLevel("ERROR")
    for key, value in SESSION_SETTINGS.items():
        session.conf.set(key, value)
    return session


def parquet_source(session: Any, directory: str | Path) -> Source:
    """The canonical tables of an export directory, read by ``session``."""
    directory = Path(directory).resolve()
    if not (directory / SNAPSHOT_FILE).is_file():
        raise FileNotFoundError(
            f"{directory}: no {SNAPSHOT_FILE} (write one with `foidesk export`)"
        )
    con = ibis.pyspark.connect(session)
    # Views named after the directory, so two exports read in one session stay apart.
    tag = hashlib.sha256(str(directory).encode()).hexdigest()[:12]
    tables = {}
    for name in SOURCE_TABLES:
        path = directory / name
        if not path.exists():
            path = directory / f"{name}.parquet"
        if not path.exists():
            raise FileNotFoundError(f"{directory}: no {name} (not a `foidesk export` directory)")
        tables[name] = con.read_parquet(str(path), table_name=f"foidesk_{tag}_{name}")
    return Source(tables)
