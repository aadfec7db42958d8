"""The crime-record store: immutable, content-addressed snapshots in one DuckDB file.

Each load or generation writes one snapshot: a DuckDB schema ``snapshot_<hash>`` holding
every canonical table (records, reference tables and rejects), plus a row in
``main.snapshots`` with its provenance. A snapshot is written in one transaction, so an
interrupted load leaves earlier snapshots exactly as they were. The snapshot id is the
SHA-256 of the tables' contents in key order: the same data always has the same id.

Before a snapshot commits, its invariants are checked: every table's key is unique and
every reference between record tables (a person's crime, a pair's victim and suspect)
resolves; a snapshot that breaks one is never written. The store
names one snapshot **current** (``main.current_snapshot``): the one ``answer``, ``export``
and ``summary`` use unless pinned. Every write makes its snapshot current; a store
written before that table existed treats its newest snapshot as current.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from foidesk.records.schema import (
    ALL_TABLES,
    REJECTS,
    SQL_TYPES,
    TABLES_BY_NAME,
    CanonicalTable,
    conform,
)
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


_CURRENT_DDL = "CREATE TABLE IF NOT EXISTS main.current_snapshot (snapshot_id VARCHAR NOT NULL)"


class StoreError(RuntimeError):
    """The store cannot be opened or written; the message says why and what to do."""


class SnapshotInvariantError(StoreError):
    """A snapshot's tables break a key or a reference; nothing was written."""


@dataclass(frozen=True)
class Snapshot:
    """One immutable snapshot: its id (content hash), when and how it was made."""

    snapshot_id: str
    created_at: datetime
    kind: str
    provenance: dict[str, Any] = field(default_factory=dict)
    row_counts: dict[str, int] = field(default_factory=dict)
    # Set on the snapshot a write returns when the same contents were already stored.
    already_stored: bool = field(default=False, compare=False)

    @property
    def schema(self) -> str:
        return schema_name(self.snapshot_id)

    @property
    def short_id(self) -> str:
        return self.snapshot_id[:12]

    @property
    def extracted_on(self) -> date:
        """The day the data were extracted: the provenance's ``extracted`` when it gives
        one (synthetic London does), else the day the snapshot was written."""
        given = self.provenance.get("extracted")
        return date.fromisoformat(str(given)) if given else self.created_at.date()

    @property
    def source_name(self) -> str:
        """The system the records came from, as a reader would name it."""
        if self.kind == "synthetic":
            return "synthetic London (generated records standing in for a force's crime system)"
        mapping = self.provenance.get("mapping") or {}
        return str(mapping.get("name") or "the force's crime recording system")


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
    """SHA-256 of a column's values, independent of chunking and of bytes under nulls.

    Values, string lengths and validity are each hashed as one stream over the chunks, so
    the same values give the same digest however Arrow happened to lay them out, whether
    the column is whole in memory or streamed from DuckDB batch by batch.
    """

    def __init__(self, type_: pa.DataType, length: int, has_nulls: bool) -> None:
        self.values, self.lengths, self.validity = (hashlib.sha256() for _ in range(3))
        self.values.update(f"{type_}:{length}".encode())
        self.has_nulls = has_nulls

    def update(self, chunk: pa.Array) -> None:
        if self.has_nulls:
            self.validity.update(chunk.is_valid().to_numpy(zero_copy_only=False).view(np.uint8))
            if chunk.null_count == len(chunk):
                return  # all null: the validity stream says everything
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
        return self.values.digest() + self.lengths.digest() + self.validity.digest()


def _column_digest(column: pa.ChunkedArray) -> bytes:
    digest = _ColumnDigest(column.type, len(column), column.null_count > 0)
    for chunk in column.chunks:
        digest.update(chunk)
    return digest.digest()


_ZERO = {
    "string": pa.scalar("", pa.string()),
    "int16": pa.scalar(0, pa.int16()),
    "int64": pa.scalar(0, pa.int64()),
    "bool": pa.scalar(False),
    "date32[day]": pa.scalar(0, pa.int32()).cast(pa.date32()),
}


def content_hash(tables: dict[str, pa.Table]) -> str:
    """SHA-256 over every snapshot table's columns, tables in a fixed order, rows by key.

    Columns are hashed in parallel threads (hashlib and numpy release the GIL), then their
    digests are hashed in order with the table and column names.
    """
    ordered = {}
    for spec in SNAPSHOT_TABLES:
        data = tables[spec.name]
        # Generated and most loaded tables arrive in key order; sorting again costs seconds.
        if not _in_key_order(data, spec.key):
            data = data.sort_by([(k, "ascending") for k in spec.key])
        ordered[spec.name] = data
    jobs = [(t, c) for t, data in ordered.items() for c in data.column_names]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        digests = list(pool.map(lambda job: _column_digest(ordered[job[0]][job[1]]), jobs))
    return _combine(jobs, digests)


def _combine(jobs: list[tuple[str, str]], digests: list[bytes]) -> str:
    digest = hashlib.sha256()
    for (table, column), column_digest in zip(jobs, digests, strict=True):
        digest.update(f"{table}.{column}".encode())
        digest.update(column_digest)
    return digest.hexdigest()


def _ordered_select(spec: CanonicalTable, relation: str, *, sort: bool = True) -> str:
    """The canonical columns of ``relation``, cast to their types, rows in key order (every
    column for the rejects, whose key need not be unique); with ``sort`` false, rows in
    the order the relation holds them."""
    columns = ", ".join(
        f'CAST("{c.name}" AS {SQL_TYPES[str(c.type)]}) AS "{c.name}"' for c in spec.columns
    )
    if not sort:
        return f"SELECT {columns} FROM {relation}"
    order = ", ".join(
        f'"{k}"' for k in (spec.column_names if spec.name == REJECTS.name else spec.key)
    )
    return f"SELECT {columns} FROM {relation} ORDER BY {order}"


def _integer_key(spec: CanonicalTable) -> bool:
    """Whether ``spec``'s key is integer columns only: then a stream of its rows can be
    checked for key order batch by batch, and need not be sorted when it already is."""
    types = {c.name: c.type for c in spec.columns}
    return spec.name != REJECTS.name and all(pa.types.is_integer(types[k]) for k in spec.key)


def relation_hash(con: duckdb.DuckDBPyConnection, relations: dict[str, str]) -> str:
    """``content_hash`` of tables held in DuckDB, streamed in batches: the same id as the
    same tables would get in memory, without holding them there."""
    return _relation_hash(con, relations)[0]


def _relation_hash(
    con: duckdb.DuckDBPyConnection, relations: dict[str, str]
) -> tuple[str, set[str]]:
    """``relation_hash``, and the tables whose rows are already held in strictly ascending
    key order (so their keys are unique, and copying them needs no sort).

    A table with an integer key is first streamed as it is held, its key order checked
    batch by batch; only if that order breaks is it streamed again, sorted. Generated
    and most loaded tables are held in key order, and sorting tens of millions of rows
    costs more than the rest of the hashing.
    """
    jobs, digests, in_order = [], [], set()
    for spec in SNAPSHOT_TABLES:
        relation = relations[spec.name]
        counted = ", ".join(f'count("{c}")' for c in spec.column_names)
        counts = con.sql(f"SELECT count(*), {counted} FROM {relation}").fetchall()[0]
        column_digests = None
        if _integer_key(spec):
            column_digests = _column_digests(con, spec, relation, counts, sort=False)
            if column_digests is not None:
                in_order.add(spec.name)
        if column_digests is None:
            column_digests = _column_digests(con, spec, relation, counts, sort=True)
        assert column_digests is not None
        jobs += [(spec.name, c) for c in spec.column_names]
        digests += column_digests
    return _combine(jobs, digests), in_order


def _column_digests(
    con: duckdb.DuckDBPyConnection,
    spec: CanonicalTable,
    relation: str,
    counts: tuple,
    *,
    sort: bool,
) -> list[bytes] | None:
    """The digest of each of the table's columns, rows in key order; None when, streamed
    unsorted, the rows turn out not to be in strictly ascending key order."""
    n = counts[0]
    hashers = [
        _ColumnDigest(c.type, n, counted < n)
        for c, counted in zip(spec.columns, counts[1:], strict=True)
    ]
    loose = pa.schema([f.with_nullable(True) for f in spec.arrow_schema])
    batches = con.sql(_ordered_select(spec, relation, sort=sort)).to_arrow_reader(262_144)
    last: pa.Table | None = None
    for batch in batches:
        batch = batch.cast(loose)
        if not sort:
            keys = pa.Table.from_batches([batch]).select(list(spec.key))
            # The batch's first row follows the previous batch's last one.
            joined = keys if last is None else pa.concat_tables([last, keys.slice(0, 1)])
            if not _in_key_order(keys, spec.key) or not _in_key_order(joined, spec.key):
                batches.close()
                return None
            last = keys.slice(len(keys) - 1, 1) if len(keys) else last
        for hasher, column in zip(hashers, batch.columns, strict=True):
            hasher.update(column)
    return [h.digest() for h in hashers]


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
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as exc:
            raise _store_error(self.path, exc) from None
        try:
            # The CLI draws its own Rich progress bars; DuckDB's would interleave with them.
            self.con.execute("SET enable_progress_bar = false")
            limits = settings or load_settings().crime_store
            for name, value in limits.duckdb_config().items():
                self.con.execute(f"SET {name} = ?", [value])
            if not read_only:
                self.con.execute(_SNAPSHOTS_DDL)
                self.con.execute(_CURRENT_DDL)
            self.con.sql("SELECT count(*) FROM information_schema.tables").fetchall()
        except duckdb.Error as exc:
            self.con.close()
            raise _store_error(self.path, exc) from None

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

    def _table_exists(self, name: str) -> bool:
        return bool(
            self.con.execute(
                "SELECT count(*) FROM information_schema.tables "
                "WHERE table_schema = 'main' AND table_name = ?",
                [name],
            ).fetchall()[0][0]
        )

    def current(self) -> Snapshot:
        """The store's current snapshot: the one last written or chosen with ``use``
        (in a store older than that choice, its newest snapshot)."""
        snapshots = self.snapshots()
        if not snapshots:
            raise LookupError(f"{self.path}: the store holds no snapshot yet")
        if self._table_exists("current_snapshot"):
            chosen = self.con.sql("SELECT snapshot_id FROM main.current_snapshot").fetchall()
            for snap in snapshots:
                if chosen and snap.snapshot_id == chosen[0][0]:
                    return snap
        return snapshots[-1]

    def use(self, snapshot_id: str) -> Snapshot:
        """Make the snapshot whose id starts with ``snapshot_id`` the current one."""
        snap = self.snapshot(snapshot_id)
        self._set_current(snap.snapshot_id)
        return snap

    def _set_current(self, snapshot_id: str) -> None:
        self.con.execute("BEGIN TRANSACTION")
        self.con.execute("DELETE FROM main.current_snapshot")
        self.con.execute("INSERT INTO main.current_snapshot VALUES (?)", [snapshot_id])
        self.con.execute("COMMIT")

    def snapshot(self, snapshot_id: str | None = None) -> Snapshot:
        """The snapshot whose id starts with ``snapshot_id``, or the current one."""
        snapshots = self.snapshots()
        if not snapshots:
            raise LookupError(f"{self.path}: the store holds no snapshot yet")
        if snapshot_id is None:
            return self.current()
        matches = [s for s in snapshots if s.snapshot_id.startswith(snapshot_id)]
        if len(matches) != 1:
            found = "no" if not matches else "more than one"
            raise LookupError(f"{self.path}: {found} snapshot matches {snapshot_id!r}")
        return matches[0]

    def relation(self, table: str, snapshot: Snapshot | None = None) -> str:
        """The qualified SQL name of ``table`` in ``snapshot`` (the current by default)."""
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
        none). Writing data that is already stored returns the existing snapshot (with
        ``already_stored`` set). Either way the snapshot becomes the current one.
        Raises ``SnapshotInvariantError`` (nothing written) when a key is repeated or a
        reference does not resolve, and ``StoreError`` when the disk is full.
        """
        tables = dict(tables)
        tables.setdefault(REJECTS.name, REJECTS.arrow_schema.empty_table())
        unknown = set(tables) - {t.name for t in SNAPSHOT_TABLES}
        if unknown:
            raise ValueError(f"not canonical tables: {', '.join(sorted(unknown))}")
        conformed = {t.name: conform(t, tables[t.name]) for t in SNAPSHOT_TABLES}
        snapshot_id = content_hash(conformed)
        for existing in self.snapshots():
            if existing.snapshot_id == snapshot_id:
                self._set_current(snapshot_id)
                return Snapshot(**{**vars(existing), "already_stored": True})
        row_counts = {name: data.num_rows for name, data in conformed.items()}
        try:
            for name, data in conformed.items():
                self.con.register(f"_incoming_{name}", data)
            relations = {name: f"_incoming_{name}" for name in conformed}
            return self._write(snapshot_id, relations, kind, provenance, row_counts)
        finally:
            for name in conformed:
                self.con.unregister(f"_incoming_{name}")

    def write_snapshot_from(
        self,
        source: duckdb.DuckDBPyConnection,
        tables: dict[str, str],
        *,
        kind: str,
        provenance: dict[str, Any],
    ) -> Snapshot:
        """Write the tables named in ``tables`` (canonical name -> table name) of another
        DuckDB database, open as ``source``, as one new snapshot, as ``write_snapshot``
        does. The rows are hashed and copied in batches: they never need to fit in memory.
        ``source`` may be this store's own connection (views over staged files, tables
        registered on it): the rows are then copied without leaving DuckDB."""
        relations = {name: f'"{table}"' for name, table in tables.items()}
        try:
            snapshot_id, in_order = _relation_hash(source, relations)
            for existing in self.snapshots():
                if existing.snapshot_id == snapshot_id:
                    self._set_current(snapshot_id)
                    return Snapshot(**{**vars(existing), "already_stored": True})
            row_counts = {
                name: source.sql(f"SELECT count(*) FROM {relation}").fetchall()[0][0]
                for name, relation in relations.items()
            }
        except duckdb.Error as exc:
            raise _store_error(self.path, exc) from None
        return self._write(snapshot_id, relations, kind, provenance, row_counts, source, in_order)

    def _write(
        self,
        snapshot_id: str,
        relations: dict[str, str],
        kind: str,
        provenance: dict[str, Any],
        row_counts: dict[str, int],
        source: duckdb.DuckDBPyConnection | None = None,
        in_order: Collection[str] = (),
    ) -> Snapshot:
        """Copy ``relations`` (of ``source``, in key order, when given; else registered
        on this connection) into a new snapshot schema in one transaction. Tables named
        in ``in_order`` are held by ``source`` in strictly ascending key order already:
        they are copied as held, and their keys are known to be unique."""
        created_at = datetime.now(UTC).replace(tzinfo=None)
        schema = schema_name(snapshot_id)
        self.con.execute("BEGIN TRANSACTION")
        try:
            self.con.execute(f'CREATE SCHEMA "{schema}"')
            for spec in SNAPSHOT_TABLES:
                relation = relations[spec.name]
                streamed = source is not None and source is not self.con
                if source is None:
                    select = f"SELECT * FROM {relation}"
                elif not streamed:
                    # Staged where this connection reads it (files, views): copied in DuckDB.
                    select = _ordered_select(spec, relation, sort=spec.name not in in_order)
                else:
                    select = _ordered_select(spec, relation, sort=spec.name not in in_order)
                    rows = source.sql(select).to_arrow_reader(262_144)
                    self.con.register("_rows", rows)
                    select = "SELECT * FROM _rows"
                self.con.execute(f'CREATE TABLE "{schema}"."{spec.name}" AS {select}')
                if streamed:
                    self.con.unregister("_rows")
            self.con.execute(
                "INSERT INTO main.snapshots VALUES (?, ?, ?, ?, ?)",
                [snapshot_id, created_at, kind, json.dumps(provenance), json.dumps(row_counts)],
            )
            check_invariants(self.con, schema, unique=in_order)
            self.con.execute("DELETE FROM main.current_snapshot")
            self.con.execute("INSERT INTO main.current_snapshot VALUES (?)", [snapshot_id])
            self.con.execute("COMMIT")
        except BaseException as exc:
            # A failed write may already have ended the transaction: its error is the news.
            with contextlib.suppress(duckdb.Error):
                self.con.execute("ROLLBACK")
            if isinstance(exc, duckdb.Error):
                raise _store_error(self.path, exc) from None
            raise
        return Snapshot(snapshot_id, created_at, kind, provenance, row_counts)


# (table, columns) -> (table, columns) each row's columns must be found in. Codes are not
# among them: a load rejects an unknown code, and the compiler refuses one by name in a
# snapshot written otherwise.
_REFERENCES: tuple[tuple[str, tuple[str, ...], str, tuple[str, ...]], ...] = (
    ("victims", ("crime_id",), "crimes", ("crime_id",)),
    ("suspects", ("crime_id",), "crimes", ("crime_id",)),
    ("relationships", ("crime_id",), "crimes", ("crime_id",)),
    ("relationships", ("victim_id", "crime_id"), "victims", ("victim_id", "crime_id")),
    ("relationships", ("suspect_id", "crime_id"), "suspects", ("suspect_id", "crime_id")),
    ("outcomes", ("crime_id",), "crimes", ("crime_id",)),
)


def check_invariants(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    *,
    unique: Collection[str] = (),
) -> None:
    """Raise ``SnapshotInvariantError`` unless every key of the snapshot in ``schema`` is
    unique and every reference between its tables resolves. Tables in ``unique`` were
    seen in strictly ascending key order as they were written, so their keys are not
    checked again."""

    def rel(table: str) -> str:
        return f'"{schema}"."{table}"'

    for spec in ALL_TABLES:
        if spec.name in unique:
            continue
        key = ", ".join(spec.key)
        repeated = con.sql(
            f"SELECT {key}, count(*) FROM {rel(spec.name)} GROUP BY ALL HAVING count(*) > 1 "
            f"ORDER BY ALL LIMIT 1"
        ).fetchall()
        if repeated:
            *values, n = repeated[0]
            raise SnapshotInvariantError(
                f"{spec.name}: key ({key}) = {tuple(values)} is held by {n} rows; "
                "a key must be unique, so the snapshot was not written"
            )
    for table, columns, target, target_columns in _REFERENCES:
        on = " AND ".join(f"t.{b} = s.{a}" for a, b in zip(columns, target_columns, strict=True))
        not_null = " AND ".join(f"s.{a} IS NOT NULL" for a in columns)
        dangling = con.sql(
            f"SELECT {', '.join(f's.{a}' for a in columns)}, count(*) OVER () "
            f"FROM {rel(table)} s WHERE {not_null} "
            f"AND NOT EXISTS (SELECT 1 FROM {rel(target)} t WHERE {on}) LIMIT 1"
        ).fetchall()
        if dangling:
            *values, n = dangling[0]
            raise SnapshotInvariantError(
                f"{table}: {n:,} row(s) refer to no {target} row, e.g. "
                f"({', '.join(columns)}) = {tuple(values)}; the snapshot was not written"
            )


def _store_error(path: Path, exc: duckdb.Error | OSError) -> StoreError:
    """A clear message for what DuckDB reports about a store it cannot open or write."""
    text = str(exc)
    if "Could not set lock" in text:
        pid = re.search(r"\(PID (\d+)\)", text)
        holder = f" (process {pid.group(1)})" if pid else ""
        return StoreError(
            f"{path}: another foidesk process{holder} is writing to this store; wait for it "
            "to finish and run the command again (a store takes one writer at a time, and "
            "no reader while it writes)"
        )
    if "No space left on device" in text or "no space left" in text.lower():
        return StoreError(
            f"{path}: no space left on the device; the snapshot was not written and the "
            "store is as it was. Free some space (or use --db on another disk) and run again"
        )
    if "not a valid DuckDB database" in text or "Corrupt database" in text:
        return StoreError(
            f"{path}: not a foidesk store: the file is not a DuckDB database, or it is "
            f"damaged ({text.splitlines()[0]}). Give another --db, or restore it from a backup"
        )
    return StoreError(f"{path}: {text.splitlines()[0] if text else type(exc).__name__}")
