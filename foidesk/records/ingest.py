"""Loading a force's extract through a mapping file: source CSVs in, one snapshot out.

A mapping file (YAML, parsed and checked by ``foidesk.records.mapping``) names the source
files, how they join, and how each canonical column is made from them. ``load`` streams
every source file into a staging DuckDB database on disk (``foidesk.records.sources``),
maps the rows there in SQL (each table's rules compiled by ``foidesk.records.mapping_sql``;
columns no source field gives filled by the named derivations of
``foidesk.records.derivations``), and writes one snapshot holding the rows
that mapped and a ``rejects`` row (file, physical line, field, value, reason) for every
row that did not.
For every canonical table, read = loaded + skipped + rejected, where skipped rows are
those the mapping's ``skip`` rules set aside on purpose (each with its reason, counted in
the provenance). A row made from a source row that another table rejected is rejected
with it, so a bad or repeated source row never half-loads.

Anything wrong with the mapping itself, a source file that cannot be read as the mapping
says (missing, empty, binary, a byte not in its encoding, a runaway quoted field), a
missing column, or more rejected records than a source allows (``max_rejected``, 1% by
default) stops the load with one ``MappingError`` before anything is written: the store
is unchanged.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from foidesk.progress import ProgressCallback
from foidesk.records.derivations import derive, derived_columns
from foidesk.records.mapping import (
    _CODE_CHECKS,
    _LINKS,
    Mapping,
    MappingError,
)
from foidesk.records.mapping_sql import TableSQL, reject_sql
from foidesk.records.reference import load_reference
from foidesk.records.schema import (
    CRIMES,
    OUTCOMES,
    RECORD_TABLES,
    REFERENCE_TABLES,
    REJECTS,
    RELATIONSHIPS,
    SQL_TYPES,
    CanonicalTable,
)
from foidesk.records.sources import SourceFile, read_source
from foidesk.records.sql import literal as _lit
from foidesk.records.sql import quote_name as _q
from foidesk.records.store import Snapshot, Store
from foidesk.settings import CrimeStore, load_settings

__all__ = ["LoadResult", "Mapping", "MappingError", "TableCount", "load"]

# DuckDB's memory for a load (staging and writing): its data spill to disk beyond it.
DEFAULT_MEMORY_LIMIT = "256MB"


@dataclass
class TableCount:
    """How the rows meant for one canonical table were accounted for."""

    read: int = 0
    loaded: int = 0
    skipped: int = 0
    rejected: int = 0
    added: int = 0  # rows the loader made itself (none-yet outcomes), not in loaded
    skipped_reasons: dict[str, int] = field(default_factory=dict)

    @property
    def balances(self) -> bool:
        return self.read == self.loaded + self.skipped + self.rejected


@dataclass(frozen=True)
class LoadResult:
    """The snapshot a load wrote and how every source row was accounted for."""

    snapshot: Snapshot
    counts: dict[str, TableCount]


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    """The single value a query returns."""
    return con.sql(sql).fetchall()[0][0]


def _link_columns(spec: dict[str, Any], link: str) -> list[str]:
    return [f"_{link}{i}" for i in range(len(spec.get(link) or []))]


def load(
    mapping_file: str | Path,
    db: str | Path,
    *,
    source_dir: str | Path | None = None,
    progress: ProgressCallback | None = None,
    settings: CrimeStore | None = None,
) -> LoadResult:
    """Load the extract a mapping file describes as a new snapshot of the store at ``db``.

    ``source_dir`` overrides the mapping's own ``source_dir`` (which is relative to the
    mapping file), so one mapping serves a test subset and the full extract alike.
    DuckDB's memory limit and threads come from ``settings`` (by default the settings
    file's ``crime_store``); with no memory limit set, a load uses 256MB, so that its
    memory stays flat whatever the extract's size. Rows beyond the limit spill to a
    folder next to the store, removed afterwards. ``progress`` hears of each source read,
    the mapping, the checks and the snapshot written (``foidesk.progress``).
    """
    limits = settings or load_settings().crime_store
    memory_limit = limits.memory_limit or DEFAULT_MEMORY_LIMIT
    threads = limits.threads
    mapping = Mapping(mapping_file)
    if source_dir is not None:
        base = Path(source_dir)
    elif mapping.source_dir:
        base = (mapping.path.parent / mapping.source_dir).resolve()
    else:
        raise MappingError(f"{mapping.path}: no source_dir in the mapping and none given")
    if not base.is_dir():
        raise MappingError(f"{base}: source directory not found (for {mapping.path})")

    try:
        reference = load_reference({k: list(v) for k, v in mapping.reference.items()})
    except (OSError, ValueError) as exc:
        raise MappingError(f"{mapping.path}: reference: {exc}") from None

    db = Path(db)
    db.parent.mkdir(parents=True, exist_ok=True)
    # Staging is an in-memory database that spills beyond the memory limit to a folder
    # next to the store, removed afterwards: no write-ahead log, nothing left behind.
    with (
        tempfile.TemporaryDirectory(prefix=".foidesk-load-", dir=db.parent) as spill,
        duckdb.connect() as con,
    ):
        # Each source is read; then the rows are mapped, checked and written.
        total, done = len(mapping.sources) + 3, 0

        def step(what: str) -> None:
            nonlocal done
            done += 1
            if progress:
                progress(f"{mapping.name}: {what}", done, total)

        _configure(con, memory_limit, threads, Path(spill))
        counts, files = _stage(con, mapping, base, reference, step)
        with Store(db, settings=CrimeStore(memory_limit=memory_limit, threads=threads)) as store:
            snapshot = store.write_snapshot_from(
                con,
                {t.name: f"final_{t.name}" for t in (*RECORD_TABLES, *REFERENCE_TABLES)}
                | {REJECTS.name: "final_rejects"},
                kind="load",
                provenance={
                    "mapping": {
                        "file": mapping.path.name,
                        "name": mapping.name,
                        "sha256": mapping.sha256,
                    },
                    "source_files": [
                        {
                            "source": f.source,
                            "file": f.relative,
                            "sha256": f.sha256,
                            "rows": f.records,
                        }
                        for f in files
                    ],
                    "reference": {k: [p.name for p in v] for k, v in mapping.reference.items()},
                    "counts": {k: vars(v) for k, v in counts.items()},
                },
            )
        step("written")
    return LoadResult(snapshot, counts)


def _configure(
    con: duckdb.DuckDBPyConnection, memory_limit: str, threads: int | None, temp: Path
) -> None:
    con.execute("SET enable_progress_bar = false")
    con.execute(f"SET memory_limit = {_lit(memory_limit)}")
    con.execute(f"SET temp_directory = {_lit(str(temp))}")
    # Row order is never relied on (every ordered step says ORDER BY): less to hold.
    con.execute("SET preserve_insertion_order = false")
    if threads is not None:
        con.execute(f"SET threads = {int(threads)}")


def _stage(
    con: duckdb.DuckDBPyConnection,
    mapping: Mapping,
    base: Path,
    reference: dict[str, pa.Table],
    step: Callable[[str], None],
) -> tuple[dict[str, TableCount], list[SourceFile]]:
    """Read, map and check every table into ``final_*`` tables of the staging database."""
    files: list[SourceFile] = []
    by_source: dict[str, list[SourceFile]] = {}
    for source in mapping.sources.values():
        read = read_source(con, source, base, mapping, f"raw_{source.name}")
        files.extend(read)
        by_source[source.name] = read
        feeds = [t for t in mapping.tables.values() if t["from"] == source.name]
        bad = [(f, b) for f in read for b in f.bad]
        if bad and not feeds:
            # A lookup's bad record cannot be a rejected row of any table: stop.
            where, first = bad[0]
            raise MappingError(f"{where.path}: line {where.physical(first.line)}: {first.reason}")
        if source.one_per:
            keys = ", ".join(_q(k) for k in source.one_per)
            con.execute(
                f"CREATE TABLE src_{source.name} AS SELECT * FROM raw_{source.name} "
                f"QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY _file, _line) = 1"
            )
            con.execute(f"DROP TABLE raw_{source.name}")
        else:
            con.execute(f"ALTER TABLE raw_{source.name} RENAME TO src_{source.name}")
        step(f"read {source.name}")
    for name, ref_table in reference.items():
        con.register("_reference", ref_table)
        con.execute(f"CREATE TABLE ref_{name} AS SELECT * FROM _reference")
        con.unregister("_reference")
    con.execute(
        "CREATE TABLE rejects_staged (table_name VARCHAR, file VARCHAR, line BIGINT, "
        "field VARCHAR, value VARCHAR, reason VARCHAR, ref VARCHAR, ref_file VARCHAR, "
        "ref_line BIGINT)"
    )
    con.execute(
        "CREATE TABLE rejected_rows (source VARCHAR, _file VARCHAR, _line BIGINT, "
        "table_name VARCHAR)"
    )

    counts: dict[str, TableCount] = {}
    for canonical in RECORD_TABLES:
        spec = mapping.tables.get(canonical.name)
        columns = ", ".join(
            f"CAST(NULL AS {SQL_TYPES[str(c.type)]}) AS {_q(c.name)}" for c in canonical.columns
        )
        if spec is None:
            con.execute(f"CREATE TABLE out_{canonical.name} AS SELECT {columns} WHERE FALSE")
            counts[canonical.name] = TableCount()
            continue
        try:
            counts[canonical.name] = _map_table(con, mapping, canonical, spec)
        except duckdb.Error as exc:
            raise MappingError(f"{mapping.path}: tables.{canonical.name}: {exc}") from None
        _reject_bad_records(con, canonical, counts[canonical.name], by_source[spec["from"]])
    step("mapped")

    # Columns no source field gives, worked out from the mapped tables (``derivations``).
    for canonical in RECORD_TABLES:
        rules = derived_columns(mapping.tables, canonical.name)
        derive(con, canonical.name, canonical.column_names, rules)
    for canonical in RECORD_TABLES:
        if canonical.name != OUTCOMES.name:
            con.execute(f"ALTER TABLE out_{canonical.name} RENAME TO final_{canonical.name}")
    counts[OUTCOMES.name].added = _fill_outcomes(con)
    for name in reference:
        con.execute(f"ALTER TABLE ref_{name} RENAME TO final_{name}")
    _finish_rejects(con, files)
    _check_reject_limits(con, mapping, by_source)
    step("checked")
    return counts, files


def _map_table(
    con: duckdb.DuckDBPyConnection, mapping: Mapping, canonical: CanonicalTable, spec: dict
) -> TableCount:
    """Map one canonical table into ``out_<table>``; keep its link keys in
    ``keys_<table>`` for later tables and its rejects in ``rejects_staged``."""
    name = canonical.name
    builder = TableSQL(mapping, name, spec)
    con.execute(f"CREATE TABLE staged AS {builder.select_sql()}")
    count = TableCount(read=_scalar(con, "SELECT count(*) FROM staged"))
    for reason, n in con.execute(
        "SELECT _skip, count(*) FROM staged WHERE _skip IS NOT NULL GROUP BY 1 ORDER BY 1"
    ).fetchall():
        count.skipped_reasons[reason] = n
    count.skipped = sum(count.skipped_reasons.values())
    con.execute("DELETE FROM staged WHERE _skip IS NOT NULL")

    def at(column: str) -> tuple[str, str]:
        """The file and line of the source row a mapped column's value came from."""
        rule = (spec.get("columns") or {}).get(column)
        alias = (
            builder.alias_of(rule["column"])
            if isinstance(rule, dict) and "column" in rule
            else spec["from"]
        )
        return f"s.{_q('_file@' + alias)}", f"s.{_q('_line@' + alias)}"

    # Code checks: a code must be in the snapshot's reference table (and scheme).
    for (table, column), (ref_table, scheme_column) in _CODE_CHECKS.items():
        if table != name:
            continue
        if scheme_column:
            exists = (
                f"EXISTS (SELECT 1 FROM ref_{ref_table} r WHERE r.code = s.{column} "
                f"AND r.scheme = s.{scheme_column})"
            )
            reason = f"'not a code of the ' || s.{scheme_column} || ' {ref_table}'"
        else:
            exists = f"EXISTS (SELECT 1 FROM ref_{ref_table} r WHERE r.code = s.{column})"
            reason = f"'not a code of the {ref_table}'"
        field_sql = _lit(_source_field(spec, column))
        reject = reject_sql(field_sql, f"s.{column}", reason, at(column))
        con.execute(
            f"UPDATE staged s SET _reject = {reject} WHERE s._reject IS NULL "
            f"AND s.{column} IS NOT NULL AND NOT {exists}"
        )

    if name == CRIMES.name:
        # An offence recorded outside the dates its code was in force is a data error.
        reject = reject_sql(
            _lit(_source_field(spec, "recorded_date")),
            "CAST(s.recorded_date AS VARCHAR)",
            "'offence ' || s.offence_code || ' not in force on this date'",
            at("recorded_date"),
        )
        con.execute(
            f"""UPDATE staged s SET _reject = {reject}
                FROM ref_offence_classification r
                WHERE s._reject IS NULL AND r.scheme = s.offence_scheme
                  AND r.code = s.offence_code
                  AND (s.recorded_date < r.in_force_from OR s.recorded_date > r.in_force_to)"""
        )

    key_columns = _link_columns(spec, "key")
    key_field = _lit(", ".join(str(c) for c in spec.get("key") or []))
    if key_columns:
        missing = " OR ".join(f"{_q(k)} IS NULL" for k in key_columns)
        reject = reject_sql(key_field, "NULL", "'missing key'")
        con.execute(f"UPDATE staged SET _reject = {reject} WHERE _reject IS NULL AND ({missing})")

    for link in _LINKS[name]:
        target = {"crime": "crimes", "victim": "victims", "suspect": "suspects"}[link]
        mine = _link_columns(spec, link)
        theirs = _link_columns(mapping.tables.get(target, {}), "key")
        if len(mine) != len(theirs):
            raise MappingError(
                f"{mapping.path}: tables.{name}.{link} names {len(mine)} column(s) but "
                f"tables.{target}.key has {len(theirs)}"
            )
        on = " AND ".join(f"s.{_q(a)} = k.{_q(b)}" for a, b in zip(mine, theirs, strict=True))
        id_column = f"{link}_id"
        con.execute(f"ALTER TABLE staged ADD COLUMN {id_column} BIGINT")
        if link != "crime":
            con.execute(f"ALTER TABLE staged ADD COLUMN _crime_of_{link} BIGINT")
            extra = f", _crime_of_{link} = k.crime_id"
        else:
            extra = ""
        con.execute(
            f"UPDATE staged s SET {id_column} = k.{id_column}{extra} FROM keys_{target} k "
            f"WHERE {on}"
        )
        # A row whose crime (victim, suspect) was itself rejected follows it: that reject
        # counts once, where it was made, not again here.
        reject = reject_sql(
            _lit(", ".join(str(c) for c in spec[link])),
            f"concat_ws(', ', {', '.join(f's.{_q(c)}' for c in mine)})",
            f"'its {link} was rejected'",
        )
        con.execute(
            f"UPDATE staged s SET _reject = {reject} FROM rejected_keys_{target} k "
            f"WHERE s._reject IS NULL AND s.{id_column} IS NULL AND {on}"
        )
        reject = reject_sql(
            _lit(", ".join(str(c) for c in spec[link])),
            f"concat_ws(', ', {', '.join(_q(c) for c in mine)})",
            f"'no {link} with this key was loaded'",
        )
        con.execute(
            f"UPDATE staged SET _reject = {reject} WHERE _reject IS NULL AND {id_column} IS NULL"
        )

    # A row made from a source row another table rejected is rejected with it: a repeated
    # offence row rejected as a crime must not still give an outcome or a suspect.
    for alias in builder.aliases:
        reject = reject_sql(
            _lit("(whole record)"),
            "NULL",
            "'made from a row rejected from ' || r.table_name",
            ref=("'at'", "r._file", "r._line"),
        )
        con.execute(
            f"""UPDATE staged s SET _reject = {reject} FROM rejected_rows r
                WHERE s._reject IS NULL AND r.source = {_lit(alias)}
                  AND r._file = s.{_q("_file@" + alias)} AND r._line = s.{_q("_line@" + alias)}"""
        )

    if key_columns:
        # A key seen before, whether on another source row or on a row a join fanned out
        # from the same one: every later row is a duplicate of the first.
        keys = ", ".join(_q(k) for k in key_columns)
        reject = reject_sql(
            key_field,
            f"concat_ws(', ', {', '.join(f's.{_q(k)}' for k in key_columns)})",
            "'duplicate key'",
            ref=("'first at'", "d._file", "d._line"),
        )
        con.execute(
            f"""
            UPDATE staged s SET _reject = {reject}
            FROM (SELECT {keys}, arg_min(rowid, (_file, _line, rowid)) AS _first,
                         arg_min(_file, (_file, _line, rowid)) AS _file,
                         arg_min(_line, (_file, _line, rowid)) AS _line
                  FROM staged WHERE _reject IS NULL GROUP BY ALL) d
            WHERE s._reject IS NULL
              AND {" AND ".join(f"s.{_q(k)} = d.{_q(k)}" for k in key_columns)}
              AND s.rowid <> d._first
            """
        )

    if name == RELATIONSHIPS.name:
        con.execute("ALTER TABLE staged ADD COLUMN crime_id BIGINT")
        reject = reject_sql(
            _lit(", ".join(map(str, spec["suspect"]))),
            f"concat_ws(', ', {', '.join(map(_q, _link_columns(spec, 'suspect')))})",
            "'victim and suspect are in different crimes'",
        )
        con.execute(
            f"""UPDATE staged SET crime_id = _crime_of_victim,
                _reject = CASE WHEN _reject IS NULL AND _crime_of_victim <> _crime_of_suspect
                THEN {reject} ELSE _reject END"""
        )
        # One row per pair: a second row for the same pair is a duplicate.
        reject = reject_sql(
            "'victim, suspect'",
            "NULL",
            "'duplicate victim-suspect pair'",
            ref=("'first at'", "d._file", "d._line"),
        )
        con.execute(
            f"""UPDATE staged s SET _reject = {reject}
               FROM (SELECT victim_id, suspect_id,
                            arg_min(rowid, (_file, _line, rowid)) AS _first,
                            arg_min(_file, (_file, _line, rowid)) AS _file,
                            arg_min(_line, (_file, _line, rowid)) AS _line
                     FROM staged WHERE _reject IS NULL GROUP BY ALL) d
               WHERE s._reject IS NULL AND s.victim_id = d.victim_id
                 AND s.suspect_id = d.suspect_id AND s.rowid <> d._first"""
        )

    if spec.get("latest"):
        latest = _q(spec["latest"])
        con.execute(
            f"""CREATE TABLE superseded AS SELECT rowid AS r FROM staged
                WHERE _reject IS NULL QUALIFY row_number() OVER (
                    PARTITION BY crime_id ORDER BY {latest} DESC NULLS LAST,
                    _file DESC, _line DESC, rowid DESC) > 1"""
        )
        superseded = _scalar(con, "SELECT count(*) FROM superseded")
        con.execute("DELETE FROM staged WHERE rowid IN (SELECT r FROM superseded)")
        con.execute("DROP TABLE superseded")
        if superseded:
            reason = "superseded by a later row for the same crime"
            count.skipped_reasons[reason] = superseded
            count.skipped += superseded

    count.rejected = _scalar(con, "SELECT count(*) FROM staged WHERE _reject IS NOT NULL")
    con.execute(
        f"""INSERT INTO rejects_staged
            SELECT {_lit(name)}, coalesce(_reject.file, _file), coalesce(_reject.line, _line),
                   _reject.field, _reject.value, _reject.reason,
                   _reject.ref, _reject.ref_file, _reject.ref_line
            FROM staged WHERE _reject IS NOT NULL"""
    )
    con.execute(
        f"""INSERT INTO rejected_rows SELECT DISTINCT {_lit(spec["from"])}, _file, _line,
                {_lit(name)} FROM staged WHERE _reject IS NOT NULL"""
    )
    if name in ("crimes", "victims", "suspects"):
        keys = ", ".join(_q(k) for k in key_columns) or "NULL AS _key0"
        con.execute(
            f"""CREATE TABLE rejected_keys_{name} AS SELECT DISTINCT {keys} FROM staged
                WHERE _reject IS NOT NULL"""
        )
    con.execute("DELETE FROM staged WHERE _reject IS NOT NULL")

    # Surrogate ids follow source order, so a reload of the same files gives the same ids.
    order = ", ".join(["_file", "_line"] + [_q(k) for k in key_columns])
    own_id = {CRIMES.name: "crime_id", "victims": "victim_id", "suspects": "suspect_id"}
    if name in own_id:
        key_select = ", ".join(_q(k) for k in key_columns) or "NULL AS _key0"
        con.execute(
            f"CREATE TABLE numbered AS SELECT *, row_number() OVER (ORDER BY {order}) "
            f"AS {own_id[name]} FROM staged"
        )
        con.execute("DROP TABLE staged")
        con.execute("ALTER TABLE numbered RENAME TO staged")
        target = {"crimes": "crime", "victims": "victim", "suspects": "suspect"}[name]
        con.execute(
            f"CREATE TABLE keys_{name} AS SELECT {key_select}, {target}_id"
            + (", crime_id" if name != CRIMES.name else "")
            + " FROM staged"
        )
    count.loaded = _scalar(con, "SELECT count(*) FROM staged")
    columns = ", ".join(
        f"CAST({_q(c.name)} AS {SQL_TYPES[str(c.type)]}) AS {_q(c.name)}" for c in canonical.columns
    )
    con.execute(f"CREATE TABLE out_{name} AS SELECT {columns} FROM staged")
    con.execute("DROP TABLE staged")
    return count


def _reject_bad_records(
    con: duckdb.DuckDBPyConnection,
    canonical: CanonicalTable,
    count: TableCount,
    files: list[SourceFile],
) -> None:
    """Count a table's unreadable source records as read and rejected; keep their rejects."""
    bad = [b for f in files for b in f.bad]
    count.read += len(bad)
    count.rejected += len(bad)
    if not bad:
        return
    rows = pa.table(
        {
            "file": [b.file for b in bad],
            "line": pa.array([b.line for b in bad], pa.int64()),
            "value": [b.text for b in bad],
            "reason": [b.reason for b in bad],
        }
    )
    con.register("_bad", rows)
    con.execute(
        f"""INSERT INTO rejects_staged SELECT {_lit(canonical.name)}, file, line,
                '(whole record)', value, reason, NULL, NULL, NULL FROM _bad"""
    )
    con.unregister("_bad")


def _source_field(spec: dict[str, Any], column: str) -> str:
    rule = (spec.get("columns") or {}).get(column)
    if isinstance(rule, dict) and "column" in rule:
        return str(rule["column"]).split(".")[-1]
    return column


def _fill_outcomes(con: duckdb.DuckDBPyConnection) -> int:
    """``final_outcomes``: the outcomes plus a none-assigned-yet row for each crime the
    source gave no outcome; returns how many were added."""
    con.execute(
        """CREATE TABLE final_outcomes AS SELECT * FROM out_outcomes
           UNION ALL
           SELECT crime_id, NULL, NULL FROM final_crimes
           WHERE crime_id NOT IN (SELECT crime_id FROM out_outcomes)"""
    )
    return _scalar(con, "SELECT count(*) FROM final_outcomes") - _scalar(
        con, "SELECT count(*) FROM out_outcomes"
    )


def _finish_rejects(con: duckdb.DuckDBPyConnection, files: list[SourceFile]) -> None:
    """``final_rejects``: ordinal lines turned into physical ones where a file needs it,
    and the row a reason points at written into the reason."""
    shifted = {f.relative: f for f in files if f.starts is not None}
    if shifted:
        needed = con.sql(
            f"""SELECT DISTINCT file, line FROM rejects_staged
                WHERE file IN ({", ".join(_lit(f) for f in shifted)})
                UNION SELECT DISTINCT ref_file, ref_line FROM rejects_staged
                WHERE ref_file IN ({", ".join(_lit(f) for f in shifted)})"""
        ).fetchall()
        lines = pa.table(
            {
                "file": [f for f, _ in needed],
                "ordinal": pa.array([n for _, n in needed], pa.int64()),
                "physical": pa.array([shifted[f].physical(n) for f, n in needed], pa.int64()),
            }
        )
        con.register("_lines", lines)
        con.execute("CREATE TABLE line_map AS SELECT * FROM _lines")
        con.unregister("_lines")
        con.execute(
            """UPDATE rejects_staged r SET line = m.physical FROM line_map m
               WHERE m.file = r.file AND m.ordinal = r.line"""
        )
        con.execute(
            """UPDATE rejects_staged r SET ref_line = m.physical FROM line_map m
               WHERE m.file = r.ref_file AND m.ordinal = r.ref_line"""
        )
    con.execute(
        """CREATE TABLE final_rejects AS SELECT table_name, file, line, field, value,
               CASE WHEN ref IS NULL THEN reason
                    ELSE reason || ' (' || ref || ' ' || ref_file || ' line ' || ref_line || ')'
               END AS reason
           FROM rejects_staged"""
    )


# Rejects that follow another: counted once, where the first was made.
_CASCADE = "reason LIKE 'its % was rejected' OR reason LIKE 'made from a row rejected from %'"


def _check_reject_limits(
    con: duckdb.DuckDBPyConnection, mapping: Mapping, by_source: dict[str, list[SourceFile]]
) -> None:
    """Fail when a source's rejected records pass the share its mapping allows (one
    rejected record is always allowed; a row rejected because the row it follows was
    rejected is counted only there)."""
    source_of = {f.relative: name for name, files in by_source.items() for f in files}
    rejected: dict[str, int] = {}
    first: dict[str, tuple] = {}
    for file, line, field_name, reason, n in con.sql(
        f"""SELECT file, min(line), arg_min(field, line), arg_min(reason, line),
                  count(DISTINCT line) FROM final_rejects
            WHERE NOT ({_CASCADE}) GROUP BY file ORDER BY file"""
    ).fetchall():
        source = source_of.get(file)
        if source is None:
            continue
        rejected[source] = rejected.get(source, 0) + n
        first.setdefault(source, (file, line, field_name, reason))
    for source, n in rejected.items():
        records = sum(f.records for f in by_source[source])
        allowed = mapping.sources[source].max_rejected
        # One rejected record is always allowed, so a small file can show one bad row.
        if n > max(1, int(allowed * records)):
            file, line, field_name, reason = first[source]
            raise MappingError(
                f"{mapping.path}: sources.{source}: {n:,} of its {records:,} records were "
                f"rejected ({n / records:.1%}), more than the {allowed * 100:g}% allowed "
                f"(sources.{source}.max_rejected); the first: {file} line {line}, "
                f"{field_name}: {reason}. Nothing was loaded"
            )
