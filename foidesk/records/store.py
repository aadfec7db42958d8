"""The crime-record store: immutable, content-addressed snapshots in one DuckDB file.

Each load or generation writes one snapshot: a DuckDB schema ``snapshot_<hash>`` holding
every canonical table (records, reference tables and rejects), plus a row in
``main.snapshots`` with its provenance. A snapshot is written in one transaction, so an
interrupted load leaves earlier snapshots exactly as they were. The snapshot id is the
SHA-256 of the tables' contents in key order: the same data always has the same id.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from foidesk.records.schema import ALL_TABLES, REJECTS, TABLES_BY_NAME, CanonicalTable, conform
from foidesk.settings import CrimeStore, load_settings


def default_force() -> str | None:
    """The force of records that do not name one (a snapshot older than the force column,
    a mapping that names none): the authority of the settings file, when it names a
    police force; otherwise not recorded."""
    authority = load_settings().authority
    named = "name" in authority.model_fields_set
    return authority.name if named and authority.type == "police" else None


SNAPSHOT_TABLES: tuple[CanonicalTable, ...] = ALL_TABLES + (REJECTS,)

_SNAPSHOTS_DDL = """
CREATE TABLE IF NOT EXISTS main.snapshots (
    snapshot_id VARCHAR PRIMARY KEY,
    created_at TIMESTAMP NOT NULL,
    kind VARCHAR NOT NULL,
    provenance JSON NOT NULL,
    row_counts JSON NOT NULL
)
"""


@dataclass(frozen=True)
class Snapshot:
    """One immutable snapshot: its id (content hash), when and how it was made."""

    snapshot_id: str
    created_at: datetime
    kind: str
    provenance: dict[str, Any] = field(default_factory=dict)
    row_counts: dict[str, int] = field(default_factory=dict)

    @property
    def schema(self) -> str:
        return schema_name(self.snapshot_id)

    @property
    def short_id(self) -> str:
        return self.snapshot_id[:12]


def schema_name(snapshot_id: str) -> str:
    """The DuckDB schema that holds a snapshot's tables."""
    return f"snapshot_{snapshot_id[:16]}"


def _in_key_order(data: pa.Table, key: tuple[str, ...]) -> bool:
    """True when integer key columns are already strictly ascending (no sort needed)."""
    if data.num_rows < 2 or not all(pa.types.is_integer(data.schema.field(k).type) for k in key):
        return data.num_rows < 2
    columns = [data[k].to_numpy() for k in key]
    if len(columns) == 1:
        return bool(np.all(columns[0][1:] > columns[0][:-1]))
    ascending = np.zeros(data.num_rows - 1, dtype=bool)
    tied = np.ones(data.num_rows - 1, dtype=bool)
    for values in columns:
        ascending |= tied & (values[1:] > values[:-1])
        tied &= values[1:] == values[:-1]
    return bool(ascending.all())


class _ColumnDigest:
    """SHA-256 of one column's values, fed chunk by chunk, whatever the chunking.

    Values, string lengths and the positions of nulls are each hashed as one stream, so
    the same values give the same digest however Arrow happened to lay them out and
    however the rows were split into parts; the type and row count close the digest.
    """

    def __init__(self, type_: pa.DataType) -> None:
        self.type = type_
        self.rows = 0
        self.values, self.lengths, self.nulls = hashlib.sha256(), hashlib.sha256(), hashlib.sha256()

    def update(self, column: pa.ChunkedArray | pa.Array) -> None:
        chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
        for chunk in chunks:
            start = self.rows
            self.rows += len(chunk)
            if chunk.null_count:
                valid = chunk.is_valid().to_numpy(zero_copy_only=False)
                self.nulls.update((np.flatnonzero(~valid) + start).astype(np.int64))
                if chunk.null_count == len(chunk):
                    continue  # all null: the null positions say everything
                chunk = chunk.fill_null(_ZERO[str(chunk.type)])
            if pa.types.is_string(chunk.type):
                offsets = np.frombuffer(chunk.buffers()[1], np.int32)[
                    chunk.offset : chunk.offset + len(chunk) + 1
                ]
                if len(chunk) and offsets[-1] > offsets[0]:
                    self.values.update(memoryview(chunk.buffers()[2])[offsets[0] : offsets[-1]])
                self.lengths.update(np.diff(offsets).astype(np.int32))
            elif pa.types.is_boolean(chunk.type):
                self.values.update(chunk.to_numpy(zero_copy_only=False).view(np.uint8))
            else:
                width = chunk.type.bit_width // 8
                data = memoryview(chunk.buffers()[1])
                self.values.update(data[chunk.offset * width : (chunk.offset + len(chunk)) * width])

    def digest(self) -> bytes:
        closing = f"{self.type}:{self.rows}".encode()
        return self.values.digest() + self.lengths.digest() + self.nulls.digest() + closing


_ZERO = {
    "string": pa.scalar("", pa.string()),
    "int16": pa.scalar(0, pa.int16()),
    "int64": pa.scalar(0, pa.int64()),
    "bool": pa.scalar(False),
    "date32[day]": pa.scalar(0, pa.int32()).cast(pa.date32()),
}


class ContentDigest:
    """The snapshot id: SHA-256 over every snapshot table's columns, rows in key order.

    Tables may be fed in parts (``update`` per part, each table's parts in key order), so
    a snapshot too large for memory hashes exactly as it would whole. Columns are hashed
    in parallel threads (hashlib and numpy release the GIL); their digests are then
    hashed in a fixed order with the table and column names.
    """

    def __init__(self) -> None:
        self._columns = {
            (t.name, c.name): _ColumnDigest(c.type) for t in SNAPSHOT_TABLES for c in t.columns
        }
        self._last_key: dict[str, tuple] = {}
        self._pool = ThreadPoolExecutor(max_workers=os.cpu_count() or 1)

    def update(self, table: str, data: pa.Table) -> None:
        """Feed the next rows of ``table`` (conformed, in key order after earlier rows)."""
        spec = TABLES_BY_NAME.get(table) or REJECTS
        if data.num_rows == 0:
            return
        if all(pa.types.is_integer(data.schema.field(k).type) for k in spec.key):
            # Record tables (integer keys) arrive in key order, in as many parts as needed.
            if not _in_key_order(data, spec.key):
                raise ValueError(f"{table}: rows are not in key order ({', '.join(spec.key)})")
            first = tuple(data[k][0].as_py() for k in spec.key)
            if table in self._last_key and first <= self._last_key[table]:
                raise ValueError(f"{table}: a part starts before the end of the previous one")
        else:
            # Reference tables and rejects (text keys) are small: one part, sorted here.
            if table in self._last_key:
                raise ValueError(f"{table}: a table keyed by text arrives in one part")
            data = data.sort_by([(k, "ascending") for k in spec.key])
        self._last_key[table] = tuple(data[k][-1].as_py() for k in spec.key)
        jobs = [(self._columns[(table, c)], data[c]) for c in data.column_names]
        list(self._pool.map(lambda job: job[0].update(job[1]), jobs))

    def hexdigest(self) -> str:
        self._pool.shutdown()
        digest = hashlib.sha256()
        for (table, column), column_digest in self._columns.items():
            digest.update(f"{table}.{column}".encode())
            digest.update(column_digest.digest())
        return digest.hexdigest()


def content_hash(tables: dict[str, pa.Table]) -> str:
    """The snapshot id of whole, in-memory tables: each sorted by key if need be."""
    digest = ContentDigest()
    for spec in SNAPSHOT_TABLES:
        data = tables[spec.name]
        # Generated and most loaded tables arrive in key order; sorting again costs seconds.
        if not _in_key_order(data, spec.key):
            data = data.sort_by([(k, "ascending") for k in spec.key])
        digest.update(spec.name, data)
    return digest.hexdigest()


class Store:
    """A DuckDB file of snapshots. Use as a context manager or call ``close()``.

    DuckDB's memory limit and thread count come from ``settings`` (by default the
    installation's settings file, ``foidesk.settings``); unset, DuckDB picks its own.
    """

    def __init__(
        self, path: str | Path, *, read_only: bool = False, settings: CrimeStore | None = None
    ) -> None:
        self.path = Path(path)
        if read_only and not self.path.exists():
            raise FileNotFoundError(f"{self.path}: no store here (run `foidesk synth` or `load`)")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.con = duckdb.connect(str(self.path), read_only=read_only)
        # The CLI draws its own Rich progress bars; DuckDB's would interleave with them.
        self.con.execute("SET enable_progress_bar = false")
        limits = settings or load_settings().crime_store
        for name, value in limits.duckdb_config().items():
            self.con.execute(f"SET {name} = ?", [value])
        if not read_only:
            self.con.execute(_SNAPSHOTS_DDL)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    # -- reading -------------------------------------------------------------------------

    def snapshots(self) -> list[Snapshot]:
        """Every snapshot, oldest first."""
        exists = self.con.sql(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = 'main' AND table_name = 'snapshots'"
        ).fetchall()[0]
        if not exists or not exists[0]:
            return []
        rows = self.con.execute(
            "SELECT snapshot_id, created_at, kind, provenance, row_counts "
            "FROM main.snapshots ORDER BY created_at, snapshot_id"
        ).fetchall()
        return [Snapshot(r[0], r[1], r[2], json.loads(r[3]), json.loads(r[4])) for r in rows]

    def snapshot(self, snapshot_id: str | None = None) -> Snapshot:
        """The snapshot whose id starts with ``snapshot_id``, or the latest one."""
        snapshots = self.snapshots()
        if not snapshots:
            raise LookupError(f"{self.path}: the store holds no snapshot yet")
        if snapshot_id is None:
            return snapshots[-1]
        matches = [s for s in snapshots if s.snapshot_id.startswith(snapshot_id)]
        if len(matches) != 1:
            found = "no" if not matches else "more than one"
            raise LookupError(f"{self.path}: {found} snapshot matches {snapshot_id!r}")
        return matches[0]

    def relation(self, table: str, snapshot: Snapshot | None = None) -> str:
        """The qualified SQL name of ``table`` in ``snapshot`` (latest by default)."""
        if table not in TABLES_BY_NAME and table != REJECTS.name:
            raise KeyError(f"no canonical table called {table!r}")
        snap = snapshot or self.snapshot()
        return f'"{snap.schema}"."{table}"'

    def arrow(self, table: str, snapshot: Snapshot | None = None) -> pa.Table:
        """A whole table of a snapshot as Arrow."""
        return self.con.sql(f"SELECT * FROM {self.relation(table, snapshot)}").to_arrow_table()

    # -- writing -------------------------------------------------------------------------

    def write_snapshot(
        self, tables: dict[str, pa.Table], *, kind: str, provenance: dict[str, Any]
    ) -> Snapshot:
        """Write ``tables`` as one new snapshot, atomically; return it.

        ``tables`` must hold every canonical table (rejects may be omitted when there are
        none). Writing data that is already stored returns the existing snapshot.
        """
        tables = dict(tables)
        tables.setdefault(REJECTS.name, REJECTS.arrow_schema.empty_table())
        unknown = set(tables) - {t.name for t in SNAPSHOT_TABLES}
        if unknown:
            raise ValueError(f"not canonical tables: {', '.join(sorted(unknown))}")
        conformed = {t.name: conform(t, tables[t.name]) for t in SNAPSHOT_TABLES}
        snapshot_id = content_hash(conformed)
        row_counts = {name: data.num_rows for name, data in conformed.items()}

        def insert(schema: str) -> None:
            for name, data in conformed.items():
                self.con.register("_incoming", data)
                self.con.execute(f'CREATE TABLE "{schema}"."{name}" AS SELECT * FROM _incoming')
                self.con.unregister("_incoming")

        return self._commit(snapshot_id, kind, provenance, row_counts, insert)

    def write_snapshot_parts(
        self,
        parts: Iterable[dict[str, pa.Table]],
        *,
        kind: str,
        provenance: dict[str, Any],
        on_part: Callable[[], None] | None = None,
    ) -> Snapshot:
        """Write a snapshot that arrives in parts, holding one part in memory at a time.

        Each part maps table names to their next rows; every table's rows must arrive in
        key order across the parts (record tables are checked). Parts are hashed as they
        come and staged as Parquet beside the store (the snapshot id, which names the
        schema, is known only after the last part), then copied into the store in one
        transaction. ``on_part`` is called after each part.
        """
        digest = ContentDigest()
        row_counts = {t.name: 0 for t in SNAPSHOT_TABLES}
        staging = Path(tempfile.mkdtemp(prefix=f".{self.path.name}.parts-", dir=self.path.parent))
        writers: dict[str, pq.ParquetWriter] = {}
        try:
            for part in parts:
                unknown = set(part) - set(row_counts)
                if unknown:
                    raise ValueError(f"not canonical tables: {', '.join(sorted(unknown))}")
                for name, data in part.items():
                    spec = TABLES_BY_NAME.get(name) or REJECTS
                    data = conform(spec, data)
                    digest.update(name, data)
                    if name not in writers:
                        writers[name] = pq.ParquetWriter(
                            staging / f"{name}.parquet", spec.arrow_schema, compression="snappy"
                        )
                    writers[name].write_table(data)
                    row_counts[name] += data.num_rows
                if on_part is not None:
                    on_part()
            for writer in writers.values():
                writer.close()
            snapshot_id = digest.hexdigest()

            def insert(schema: str) -> None:
                for spec in SNAPSHOT_TABLES:
                    target = f'"{schema}"."{spec.name}"'
                    if spec.name in writers:
                        path = str(staging / f"{spec.name}.parquet").replace("'", "''")
                        self.con.execute(f"CREATE TABLE {target} AS FROM read_parquet('{path}')")
                    else:
                        self.con.register("_incoming", spec.arrow_schema.empty_table())
                        self.con.execute(f"CREATE TABLE {target} AS SELECT * FROM _incoming")
                        self.con.unregister("_incoming")

            return self._commit(snapshot_id, kind, provenance, row_counts, insert)
        finally:
            for writer in writers.values():
                writer.close()
            shutil.rmtree(staging, ignore_errors=True)

    def _commit(
        self,
        snapshot_id: str,
        kind: str,
        provenance: dict[str, Any],
        row_counts: dict[str, int],
        insert: Callable[[str], None],
    ) -> Snapshot:
        """Create the snapshot's schema, fill it with ``insert`` and record it, atomically;
        or return the stored snapshot if these contents are already stored."""
        for existing in self.snapshots():
            if existing.snapshot_id == snapshot_id:
                return existing
        created_at = datetime.now(UTC).replace(tzinfo=None)
        schema = schema_name(snapshot_id)
        self.con.execute("BEGIN TRANSACTION")
        try:
            self.con.execute(f'CREATE SCHEMA "{schema}"')
            insert(schema)
            self.con.execute(
                "INSERT INTO main.snapshots VALUES (?, ?, ?, ?, ?)",
                [snapshot_id, created_at, kind, json.dumps(provenance), json.dumps(row_counts)],
            )
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        return Snapshot(snapshot_id, created_at, kind, provenance, row_counts)
