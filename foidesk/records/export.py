"""Parquet export: a snapshot's canonical tables as Parquet, readable by any engine.

``export`` writes each record table as a directory of Parquet files partitioned Hive-style
by the year its crime was recorded and its crime's force (``crimes/year=2023/force=Kent/``),
so Spark, DuckDB or any Parquet reader can read a national snapshot a partition at a time;
each reference table and the rejects as one file (``sexes.parquet``), rows in the
store's order; and
``snapshot.json``, naming the snapshot and its provenance so the files say where they
came from. The canonical columns keep their types; a record table other than crimes also
carries its crime's ``year`` and ``force`` from the partition path, and crimes its
``year``. A crime with no force is in the partition ``force=__HIVE_DEFAULT_PARTITION__``,
which readers read back as null.
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

import pyarrow.parquet as pq

from foidesk.records.schema import CRIMES, RECORD_TABLES, conform
from foidesk.records.store import SNAPSHOT_TABLES, Snapshot, Store, default_force

SNAPSHOT_FILE = "snapshot.json"
PARTITIONS = ("year", "force")


def _quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def export(db: str | Path, out: str | Path, *, snapshot_id: str | None = None) -> list[Path]:
    """Write the snapshot (the store's current one by default) of the store at ``db`` into ``out``.

    Returns what was written: a directory per record table, a file per other table, and
    ``snapshot.json`` last. A directory already in ``out`` for a record table is replaced.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with Store(db, read_only=True) as store:
        snap = store.snapshot(snapshot_id)
        crimes = store.relation(CRIMES.name, snap)
        columns = {
            r[0]
            for r in store.con.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = ? AND table_name = 'crimes'",
                [snap.schema],
            ).fetchall()
        }
        # A snapshot written before crimes had a force is one force: its provenance's,
        # else the settings'.
        force = (
            "c.force"
            if "force" in columns
            else f"CAST({_literal(snap.provenance.get('force') or default_force())} AS VARCHAR)"
        )
        for spec in SNAPSHOT_TABLES:
            if spec in RECORD_TABLES:
                target = out / spec.name
                shutil.rmtree(target, ignore_errors=True)
                if spec is CRIMES:
                    select = ", ".join(
                        f"{force} AS force" if n == "force" else f'c."{n}"'
                        for n in spec.column_names
                    )
                    query = f"SELECT {select}, year(c.recorded_date) AS year FROM {crimes} c"
                else:
                    select = ", ".join(f't."{n}"' for n in spec.column_names)
                    query = (
                        f"SELECT {select}, year(c.recorded_date) AS year, {force} AS force "
                        f"FROM {store.relation(spec.name, snap)} t "
                        f"JOIN {crimes} c ON c.crime_id = t.crime_id"
                    )
                store.con.execute(
                    f"COPY ({query}) TO {_quoted(target)} "
                    f"(FORMAT parquet, PARTITION_BY ({', '.join(PARTITIONS)}))"
                )
                target.mkdir(exist_ok=True)  # an empty table is an empty directory
                written.append(target)
                continue
            # Rows go out in the store's order: a reference table's order is the order
            # its categories are listed in tables, so a reader must see the same order.
            data = store.con.sql(
                f"SELECT * FROM {store.relation(spec.name, snap)}"
            ).to_arrow_table()
            path = out / f"{spec.name}.parquet"
            pq.write_table(conform(spec, data), path)
            written.append(path)
        manifest = out / SNAPSHOT_FILE
        manifest.write_text(json.dumps(snapshot_json(snap), indent=2))
        written.append(manifest)
    return written


def _literal(value: object) -> str:
    return "NULL" if value is None else "'" + str(value).replace("'", "''") + "'"


def snapshot_json(snap: Snapshot) -> dict:
    """What ``snapshot.json`` says about the exported snapshot."""
    return {
        "snapshot_id": snap.snapshot_id,
        "created_at": snap.created_at.isoformat(),
        "kind": snap.kind,
        "provenance": snap.provenance,
        "row_counts": snap.row_counts,
    }


def read_snapshot(directory: str | Path) -> Snapshot:
    """The snapshot an export directory holds, from its ``snapshot.json``."""
    path = Path(directory) / SNAPSHOT_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path}: not found (write one with `foidesk export`)")
    data = json.loads(path.read_text())
    return Snapshot(
        data["snapshot_id"],
        datetime.fromisoformat(data["created_at"]),
        data["kind"],
        data["provenance"],
        data["row_counts"],
    )
