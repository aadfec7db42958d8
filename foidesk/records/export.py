"""Parquet export: one file per canonical table of a snapshot, readable by any tool.

``export`` writes ``<table>.parquet`` for every record table, reference table and the
rejects, with exactly the columns and types of ``foidesk.records.schema``, plus a
``snapshot.json`` naming the snapshot and its provenance so the files say where they
came from.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq

from foidesk.records.schema import conform
from foidesk.records.store import SNAPSHOT_TABLES, Store


def export(db: str | Path, out: str | Path, *, snapshot_id: str | None = None) -> list[Path]:
    """Write the snapshot (the store's current one by default) of the store at ``db`` into ``out``.

    Returns the files written, tables first and ``snapshot.json`` last.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with Store(db, read_only=True) as store:
        snap = store.snapshot(snapshot_id)
        for spec in SNAPSHOT_TABLES:
            # Rows go out in key order so that two exports of a snapshot are identical.
            keys = ", ".join(f'"{k}"' for k in spec.key)
            data = store.con.sql(
                f"SELECT * FROM {store.relation(spec.name, snap)} ORDER BY {keys}"
            ).to_arrow_table()
            path = out / f"{spec.name}.parquet"
            pq.write_table(conform(spec, data), path)
            written.append(path)
        manifest = out / "snapshot.json"
        manifest.write_text(
            json.dumps(
                {
                    "snapshot_id": snap.snapshot_id,
                    "created_at": snap.created_at.isoformat(),
                    "kind": snap.kind,
                    "provenance": snap.provenance,
                    "row_counts": snap.row_counts,
                },
                indent=2,
            )
        )
        written.append(manifest)
    return written
