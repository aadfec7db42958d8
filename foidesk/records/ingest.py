"""Loading a force's extract through a mapping file: source CSVs in, one snapshot out.

A mapping file (YAML, documented in docs/records.md) names the source files, how they
join, and how each canonical column is made from them: a source column, a constant, a
date format, a code map, defaults. ``load`` reads every source row, maps it in DuckDB,
and writes one snapshot holding the rows that mapped and a ``rejects`` row (file, line,
field, value, reason) for every row that did not. For every canonical table,
read = loaded + skipped + rejected, where skipped rows are those the mapping's ``skip``
rules set aside on purpose (each with its reason, counted in the provenance).

Anything wrong with the mapping itself, a missing source file or a missing column stops
the load with one ``MappingError`` before anything is written: the store is unchanged.
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import yaml
from rich.progress import Progress

from foidesk.records.reference import REFERENCE_DIR, load_reference
from foidesk.records.schema import (
    CRIMES,
    OUTCOMES,
    RECORD_TABLES,
    REJECTS,
    RELATIONSHIPS,
    SUSPECTS,
    TABLES_BY_NAME,
    VICTIMS,
    CanonicalTable,
)
from foidesk.records.store import Snapshot, Store, default_force

MAPPING_VERSION = 1
_TOP_KEYS = {
    "mapping",
    "name",
    "description",
    "force",
    "source_dir",
    "reference",
    "sources",
    "tables",
}
_SOURCE_KEYS = {"files", "one_per", "delimiter", "encoding"}
_TABLE_KEYS = {"from", "join", "key", "crime", "victim", "suspect", "skip", "columns", "latest"}
_SPEC_KEYS = {
    "column",
    "constant",
    "date_format",
    "map",
    "otherwise",
    "default",
    "first",
    "derive",
    "groups",
}
_SKIP_KEYS = {"column", "empty", "in", "not_in", "reason"}
_GENERATED = {"crime_id", "victim_id", "suspect_id"}  # ids the loader assigns or resolves
_LINKS = {  # canonical table -> the links its rows name, in the order they resolve
    CRIMES.name: (),
    VICTIMS.name: ("crime",),
    SUSPECTS.name: ("crime",),
    RELATIONSHIPS.name: ("victim", "suspect"),
    OUTCOMES.name: ("crime",),
}
_CODE_CHECKS = {  # (table, code column) -> (reference table it must be in, scheme column)
    ("crimes", "offence_code"): ("offence_classification", "offence_scheme"),
    ("relationships", "how_known"): ("how_known_codes", "how_known_scheme"),
    ("victims", "sex"): ("sexes", None),
    ("suspects", "sex"): ("sexes", None),
    ("outcomes", "outcome_code"): ("outcome_types", None),
}


class MappingError(ValueError):
    """The mapping file, a source file or a source column is wrong; nothing was loaded."""


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


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return "'" + str(value).replace("'", "''") + "'"


@dataclass
class _Source:
    name: str
    pattern: str
    one_per: list[str]
    delimiter: str
    encoding: str
    needed: set[str] = field(default_factory=set)


class Mapping:
    """A parsed, checked mapping file. Errors name the file and the offending entry."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise MappingError(f"{self.path}: mapping file not found")
        self.text = self.path.read_bytes()
        try:
            raw = yaml.safe_load(self.text)
        except yaml.YAMLError as exc:
            raise MappingError(f"{self.path}: not valid YAML: {exc}") from None
        if not isinstance(raw, dict):
            raise MappingError(f"{self.path}: a mapping file is a YAML mapping of sections")
        self._check_keys(raw, _TOP_KEYS, "top level")
        if raw.get("mapping") != MAPPING_VERSION:
            raise MappingError(f"{self.path}: 'mapping: {MAPPING_VERSION}' (format version) needed")
        self.name: str = raw.get("name") or self.path.stem
        # A single-force extract names its force once (else the settings' force);
        # crimes.columns.force overrides it.
        self.force: str | None = raw.get("force") or default_force()
        self.source_dir = raw.get("source_dir")
        self.reference = self._reference(raw.get("reference") or {})
        self.sources = self._sources(raw.get("sources"))
        self.tables = self._tables(raw.get("tables"))

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text).hexdigest()

    def fail(self, where: str, message: str) -> MappingError:
        return MappingError(f"{self.path}: {where}: {message}")

    def _check_keys(self, section: Any, allowed: set[str], where: str) -> None:
        if not isinstance(section, dict):
            raise self.fail(where, "expected a mapping of options")
        unknown = sorted(set(section) - allowed)
        if unknown:
            raise self.fail(where, f"unknown option {unknown[0]!r} (allowed: {sorted(allowed)})")

    def _reference(self, section: dict[str, Any]) -> dict[str, list[Path]]:
        self._check_keys(
            section,
            {"offence_classification", "how_known_codes", "outcome_types", "sexes"},
            "reference",
        )
        files: dict[str, list[Path]] = {}
        for table, names in section.items():
            paths = []
            for name in names if isinstance(names, list) else [names]:
                here = self.path.parent / name
                shipped = REFERENCE_DIR / name
                if here.is_file():
                    paths.append(here)
                elif shipped.is_file():
                    paths.append(shipped)
                else:
                    raise self.fail(f"reference.{table}", f"file {name!r} not found")
            files[table] = paths
        return files

    def _sources(self, section: Any) -> dict[str, _Source]:
        if not section or not isinstance(section, dict):
            raise self.fail("sources", "give at least one source: {name: {files: ...}}")
        sources = {}
        for name, spec in section.items():
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(name)):
                raise self.fail(f"sources.{name}", "a source name is letters, digits and _")
            self._check_keys(spec, _SOURCE_KEYS, f"sources.{name}")
            if "files" not in spec:
                raise self.fail(f"sources.{name}", "'files' (a file name or glob) is needed")
            sources[name] = _Source(
                name,
                spec["files"],
                list(spec.get("one_per") or []),
                spec.get("delimiter", ","),
                spec.get("encoding", "utf-8"),
                set(spec.get("one_per") or []),
            )
        return sources

    def _tables(self, section: Any) -> dict[str, dict[str, Any]]:
        self._check_keys(section or {}, set(_LINKS), "tables")
        if CRIMES.name not in (section or {}):
            raise self.fail("tables", "the crimes table is needed")
        tables = {}
        for name, spec in section.items():
            where = f"tables.{name}"
            self._check_keys(spec, _TABLE_KEYS, where)
            if spec.get("from") not in self.sources:
                raise self.fail(f"{where}.from", f"no source called {spec.get('from')!r}")
            aliases = {spec["from"]: spec["from"]}
            for i, join in enumerate(spec.get("join") or []):
                if isinstance(join, dict) and True in join:  # YAML 1.1 reads a bare `on` as true
                    join["on"] = join.pop(True)
                self._check_keys(join, {"source", "on"}, f"{where}.join[{i}]")
                if join.get("source") not in self.sources:
                    raise self.fail(
                        f"{where}.join[{i}]", f"no source called {join.get('source')!r}"
                    )
                if not isinstance(join.get("on"), dict) or not join["on"]:
                    raise self.fail(f"{where}.join[{i}].on", "give {left column: right column}")
                for left, right in join["on"].items():
                    self.ref(aliases, spec["from"], left, f"{where}.join[{i}].on")
                    self.sources[join["source"]].needed.add(right)
                aliases[join["source"]] = join["source"]
            for link in ("key",) + _LINKS[name]:
                for column in spec.get(link) or []:
                    self.ref(aliases, spec["from"], column, f"{where}.{link}")
            for link in ("key",) + _LINKS[name] if name == CRIMES.name else _LINKS[name]:
                if not spec.get(link):
                    raise self.fail(
                        where, f"'{link}' (the source columns naming the {link}) needed"
                    )
            for i, rule in enumerate(spec.get("skip") or []):
                self._check_keys(rule, _SKIP_KEYS, f"{where}.skip[{i}]")
                if "reason" not in rule or "column" not in rule:
                    raise self.fail(f"{where}.skip[{i}]", "'column' and 'reason' are needed")
                self.ref(aliases, spec["from"], rule["column"], f"{where}.skip[{i}]")
            canonical = TABLES_BY_NAME[name]
            columns = spec.get("columns") or {}
            self._check_keys(columns, set(canonical.column_names) - _GENERATED, f"{where}.columns")
            for column, col_spec in columns.items():
                self._check_spec(aliases, spec["from"], col_spec, f"{where}.columns.{column}")
            required = [
                c.name
                for c in canonical.columns
                if not c.nullable
                and c.name not in _GENERATED | {"source"}
                and c.name not in columns
            ]
            if name == RELATIONSHIPS.name:
                required = [c for c in required if c != "crime_id"]
            if required:
                raise self.fail(f"{where}.columns", f"no rule for required column {required[0]!r}")
            if spec.get("latest") and spec["latest"] not in columns:
                raise self.fail(f"{where}.latest", f"{spec['latest']!r} is not a mapped column")
            tables[name] = spec
        return tables

    def _check_spec(self, aliases: dict[str, str], base: str, spec: Any, where: str) -> None:
        if not isinstance(spec, dict):
            spec = {"constant": spec}
        self._check_keys(spec, _SPEC_KEYS, where)
        kinds = [k for k in ("column", "constant", "first", "derive") if k in spec]
        if len(kinds) != 1:
            raise self.fail(where, "give exactly one of column, constant, first or derive")
        if "column" in spec:
            self.ref(aliases, base, spec["column"], where)
        if "first" in spec:
            for i, alternative in enumerate(spec["first"]):
                self._check_spec(aliases, base, alternative, f"{where}.first[{i}]")
        if "derive" in spec and (
            spec["derive"] != "how_known_groups" or not where.endswith(".domestic_abuse")
        ):
            raise self.fail(
                where, "derive: how_known_groups (with groups: [...]) is for domestic_abuse only"
            )
        if "map" in spec and not isinstance(spec["map"], dict):
            raise self.fail(f"{where}.map", "give {source value: canonical value}")

    def ref(self, aliases: dict[str, str], base: str, column: str, where: str) -> str:
        """SQL for a column reference ``COLUMN`` or ``source.COLUMN``; records it as needed."""
        prefix, _, rest = str(column).partition(".")
        if rest and prefix in aliases:
            source, name = prefix, rest
        else:
            source, name = base, str(column)
        if source not in self.sources:
            raise self.fail(where, f"no source called {source!r}")
        self.sources[source].needed.add(name)
        return f"{_q(source)}.{_q(name)}"


@dataclass(frozen=True)
class _BadRecord:
    """A source record with the wrong number of fields: it cannot be read, only rejected."""

    file: str
    line: int
    text: str
    reason: str


def _read_source(
    source: _Source, base: Path, mapping: Mapping
) -> tuple[pa.Table, list[dict], list[_BadRecord]]:
    """Every file of a source as one all-text Arrow table with _file and _line columns,
    the files' provenance, and the records too malformed to read."""
    files = sorted(p for p in base.glob(source.pattern) if p.is_file())
    if not files:
        raise MappingError(
            f"{mapping.path}: sources.{source.name}: no file matches {source.pattern!r} in {base}"
        )
    parts, provenance, bad = [], [], []
    for path in files:
        relative = path.relative_to(base).as_posix()
        try:
            with path.open(encoding=source.encoding, newline="") as handle:
                header = next(csv.reader(handle, delimiter=source.delimiter), [])
        except (UnicodeDecodeError, csv.Error) as exc:
            message = f"{path}: cannot read the header as {source.encoding}: {exc}"
            raise MappingError(message) from None
        missing = sorted(source.needed - set(header))
        if missing:
            raise MappingError(f"{path}: no column {missing[0]!r} (needed by {mapping.path})")
        names = [h for h in header if h in source.needed]
        bad_here: list[_BadRecord] = []

        def keep_aside(
            row: pacsv.InvalidRow, relative: str = relative, bad_here: list = bad_here
        ) -> str:
            reason = f"{row.actual_columns} fields where the header has {row.expected_columns}"
            bad_here.append(_BadRecord(relative, row.number, row.text, reason))
            return "skip"

        try:
            # One thread: the reader then knows each bad record's line number.
            data = pacsv.read_csv(
                path,
                read_options=pacsv.ReadOptions(encoding=source.encoding, use_threads=False),
                parse_options=pacsv.ParseOptions(
                    delimiter=source.delimiter, invalid_row_handler=keep_aside
                ),
                convert_options=pacsv.ConvertOptions(
                    include_columns=names,
                    column_types={n: pa.string() for n in names},
                    strings_can_be_null=True,
                    null_values=[""],
                ),
            )
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            raise MappingError(f"{path}: cannot be read as CSV: {exc}") from None
        n = data.num_rows
        data = data.append_column("_file", pa.repeat(pa.scalar(relative), n))
        # Line numbers count the header as line 1 (records holding newlines shift them);
        # records set aside keep their numbers, so the good ones skip over them.
        lines = np.arange(2, n + len(bad_here) + 2, dtype=np.int64)
        lines = np.delete(lines, [b.line - 2 for b in bad_here])
        data = data.append_column("_line", pa.array(lines, pa.int64()))
        parts.append(data)
        bad.extend(bad_here)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        rows = n + len(bad_here)
        provenance.append({"source": source.name, "file": relative, "sha256": digest, "rows": rows})
    return pa.concat_tables(parts, promote_options="default"), provenance, bad


class _TableBuilder:
    """SQL for one canonical table: each column's value, and why a row fails, if it does."""

    def __init__(self, mapping: Mapping, name: str, spec: dict[str, Any]) -> None:
        self.mapping = mapping
        self.name = name
        self.spec = spec
        self.canonical: CanonicalTable = TABLES_BY_NAME[name]
        self.base = spec["from"]
        self.aliases = {self.base: self.base} | {
            j["source"]: j["source"] for j in spec.get("join") or []
        }

    def ref(self, column: str) -> str:
        return self.mapping.ref(self.aliases, self.base, column, f"tables.{self.name}")

    def from_clause(self) -> str:
        sql = f"src_{self.base} AS {_q(self.base)}"
        for join in self.spec.get("join") or []:
            on = " AND ".join(
                f"{self.ref(left)} = {_q(join['source'])}.{_q(right)}"
                for left, right in join["on"].items()
            )
            sql += f" LEFT JOIN src_{join['source']} AS {_q(join['source'])} ON {on}"
        return sql

    def skip_sql(self) -> str:
        """A CASE giving the skip reason of a row, or NULL."""
        arms = []
        for rule in self.spec.get("skip") or []:
            ref = self.ref(rule["column"])
            tests = []
            if rule.get("empty"):
                tests.append(f"{ref} IS NULL")
            if "in" in rule:
                tests.append(f"{ref} IN ({', '.join(_lit(str(v)) for v in rule['in'])})")
            if "not_in" in rule:
                values = ", ".join(_lit(str(v)) for v in rule["not_in"])
                tests.append(f"coalesce({ref} NOT IN ({values}), TRUE)")
            if tests:
                arms.append(f"WHEN {' OR '.join(tests)} THEN {_lit(rule['reason'])}")
        return f"CASE {' '.join(arms)} END" if arms else "NULL::VARCHAR"

    def column(self, spec: Any, target: pa.DataType) -> _ColumnSQL:
        """The SQL that makes one canonical column from its rule."""
        if not isinstance(spec, dict):
            spec = {"constant": spec}
        sql_type = _SQL_TYPES[str(target)]
        if "constant" in spec:
            return _ColumnSQL(f"CAST({_lit(spec['constant'])} AS {sql_type})")
        if "derive" in spec:
            return _ColumnSQL(f"CAST(NULL AS {sql_type})")
        if "first" in spec:
            # The first alternative with a value wins; a bad value in any alternative
            # rejects the row, naming that alternative's field.
            parts = [self.column(alt, target) for alt in spec["first"]]
            failing = [f"({p.error}) IS NOT NULL" for p in parts]
            return _ColumnSQL(
                value=f"coalesce({', '.join(p.value for p in parts)})",
                error=f"coalesce({', '.join(p.error for p in parts)})",
                field=" ".join(
                    ["CASE"]
                    + [f"WHEN {f} THEN {p.field}" for f, p in zip(failing, parts, strict=True)]
                    + [f"ELSE {parts[0].field} END"]
                ),
                raw=" ".join(
                    ["CASE"]
                    + [f"WHEN {f} THEN {p.raw}" for f, p in zip(failing, parts, strict=True)]
                    + [f"ELSE {parts[0].raw} END"]
                ),
            )
        raw = self.ref(spec["column"])
        value, errors = raw, []
        if "map" in spec:
            arms = " ".join(f"WHEN {_lit(str(k))} THEN {_lit(v)}" for k, v in spec["map"].items())
            otherwise = _lit(spec.get("otherwise"))
            value = f"(CASE {raw} {arms} ELSE {otherwise} END)"
            if "otherwise" not in spec:
                keys = ", ".join(_lit(str(k)) for k in spec["map"])
                errors.append(
                    f"WHEN {raw} IS NOT NULL AND {raw} NOT IN ({keys}) "
                    "THEN 'no mapping for this value'"
                )
        if "date_format" in spec:
            fmt = spec["date_format"]
            value = f"CAST(try_strptime({value}, {_lit(fmt)}) AS DATE)"
            errors.append(
                f"WHEN {raw} IS NOT NULL AND {value} IS NULL "
                f"THEN {_lit('not a date in the format ' + fmt)}"
            )
        elif sql_type != "VARCHAR":
            cast = f"TRY_CAST({value} AS {sql_type})"
            errors.append(
                f"WHEN {value} IS NOT NULL AND {cast} IS NULL "
                f"THEN {_lit('not a value of type ' + sql_type)}"
            )
            value = cast
        if "default" in spec:
            default = f"CAST({_lit(spec['default'])} AS {sql_type})"
            value = f"(CASE WHEN {raw} IS NULL THEN {default} ELSE {value} END)"
        error = f"CASE {' '.join(errors)} END" if errors else "NULL"
        return _ColumnSQL(value, error, _lit(str(spec["column"]).split(".")[-1]), raw)

    def select_sql(self) -> str:
        """One row per source row (after joins): link keys, values, skip and reject reasons."""
        mapped = self.spec.get("columns") or {}
        selects = [f"{_q(self.base)}._file AS _file", f"{_q(self.base)}._line AS _line"]
        for link in ("key",) + _LINKS[self.name]:
            for i, column in enumerate(self.spec.get(link) or []):
                selects.append(f"{self.ref(column)} AS {_q(f'_{link}{i}')}")
        checks = []
        for column in self.canonical.columns:
            if column.name in _GENERATED:
                continue  # ids and crime links are resolved after mapping
            rule = mapped.get(column.name)
            if rule is not None:
                sql = self.column(rule, column.type)
            elif column.name == "source":
                sql = _ColumnSQL(f"{_q(self.base)}._file")
            elif column.name == "force" and self.mapping.force is not None:
                sql = _ColumnSQL(_lit(self.mapping.force))
            else:
                sql = _ColumnSQL(f"CAST(NULL AS {_SQL_TYPES[str(column.type)]})")
            selects.append(f"{sql.value} AS {_q(column.name)}")
            derived = isinstance(rule, dict) and "derive" in rule
            if not column.nullable and not derived:
                missing = f"CASE WHEN ({sql.value}) IS NULL THEN 'missing value' END"
                field = sql.field if sql.field != "NULL" else _lit(column.name)
                sql = _ColumnSQL(sql.value, f"coalesce({sql.error}, {missing})", field, sql.raw)
            checks.append(sql)
        reject = " ".join(
            f"WHEN ({c.error}) IS NOT NULL THEN {{'field': {c.field}, "
            f"'value': CAST({c.raw} AS VARCHAR), 'reason': ({c.error})}}"
            for c in checks
        )
        selects.append(f"{self.skip_sql()} AS _skip")
        selects.append(f"CAST(CASE {reject} END AS {_REJECT_TYPE}) AS _reject")
        return f"SELECT {', '.join(selects)} FROM {self.from_clause()}"


@dataclass(frozen=True)
class _ColumnSQL:
    """SQL for one canonical column: its value, why it fails (NULL if fine), the source
    field to blame and the raw source value, as expressions over one joined source row."""

    value: str
    error: str = "NULL"
    field: str = "NULL"
    raw: str = "NULL"


_REJECT_TYPE = "STRUCT(field VARCHAR, value VARCHAR, reason VARCHAR)"
_SQL_TYPES = {
    "string": "VARCHAR",
    "date32[day]": "DATE",
    "bool": "BOOLEAN",
    "int16": "SMALLINT",
    "int64": "BIGINT",
}


def _link_columns(spec: dict[str, Any], link: str) -> list[str]:
    return [f"_{link}{i}" for i in range(len(spec.get(link) or []))]


def load(
    mapping_file: str | Path,
    db: str | Path,
    *,
    source_dir: str | Path | None = None,
    progress: bool = True,
) -> LoadResult:
    """Load the extract a mapping file describes as a new snapshot of the store at ``db``.

    ``source_dir`` overrides the mapping's own ``source_dir`` (which is relative to the
    mapping file), so one mapping serves a test subset and the full extract alike.
    """
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

    with duckdb.connect() as con:  # in memory: the staging area of this load only
        con.execute("SET enable_progress_bar = false")
        files: list[dict] = []
        counts: dict[str, TableCount] = {}
        tables: dict[str, pa.Table] = {}
        rejects: list[pa.Table] = []
        with Progress(disable=not progress, transient=True) as bar:
            task = bar.add_task(f"Loading {mapping.name}", total=len(mapping.sources) + 5)
            bad_records: dict[str, list[_BadRecord]] = {}
            for source in mapping.sources.values():
                data, provenance, bad_records[source.name] = _read_source(source, base, mapping)
                files.extend(provenance)
                feeds = [t for t in mapping.tables.values() if t["from"] == source.name]
                if bad_records[source.name] and not feeds:
                    # A lookup's bad record cannot be a rejected row of any table: stop.
                    first = bad_records[source.name][0]
                    raise MappingError(f"{base / first.file}: line {first.line}: {first.reason}")
                con.register(f"_raw_{source.name}", data)
                if source.one_per:
                    keys = ", ".join(_q(k) for k in source.one_per)
                    con.execute(
                        f"CREATE TABLE src_{source.name} AS SELECT * FROM _raw_{source.name} "
                        f"QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY _file, _line) = 1"
                    )
                else:
                    con.execute(
                        f"CREATE TABLE src_{source.name} AS SELECT * FROM _raw_{source.name}"
                    )
                con.unregister(f"_raw_{source.name}")
                bar.advance(task)
            for name, ref_table in reference.items():
                con.register(f"ref_{name}", ref_table)

            for canonical in RECORD_TABLES:
                spec = mapping.tables.get(canonical.name)
                if spec is None:
                    tables[canonical.name] = canonical.arrow_schema.empty_table()
                    counts[canonical.name] = TableCount()
                else:
                    try:
                        table, count, table_rejects = _map_table(con, mapping, canonical, spec)
                    except duckdb.Error as exc:
                        raise MappingError(
                            f"{mapping.path}: tables.{canonical.name}: {exc}"
                        ) from None
                    tables[canonical.name] = table
                    counts[canonical.name] = count
                    rejects.append(table_rejects)
                    rejects.append(_reject_bad_records(canonical, count, bad_records[spec["from"]]))
                bar.advance(task)

            crimes_spec = mapping.tables[CRIMES.name]
            derive = (crimes_spec.get("columns") or {}).get("domestic_abuse")
            if isinstance(derive, dict) and "derive" in derive:
                tables[CRIMES.name] = _derive_domestic_abuse(con, derive)
            tables[OUTCOMES.name], counts[OUTCOMES.name].added = _fill_outcomes(con)

            all_tables = dict(tables)
            all_tables.update(reference)
            all_tables[REJECTS.name] = (
                pa.concat_tables(rejects) if rejects else REJECTS.arrow_schema.empty_table()
            )
            with Store(db) as store:
                snapshot = store.write_snapshot(
                    all_tables,
                    kind="load",
                    provenance={
                        "mapping": {
                            "file": mapping.path.name,
                            "name": mapping.name,
                            "sha256": mapping.sha256,
                        },
                        "source_files": files,
                        "reference": {k: [p.name for p in v] for k, v in mapping.reference.items()},
                        "counts": {k: vars(v) for k, v in counts.items()},
                    },
                )
            bar.advance(task)
    return LoadResult(snapshot, counts)


def _map_table(
    con: duckdb.DuckDBPyConnection, mapping: Mapping, canonical: CanonicalTable, spec: dict
) -> tuple[pa.Table, TableCount, pa.Table]:
    """Map one canonical table; keep its link keys in ``keys_<table>`` for later tables."""
    name = canonical.name
    builder = _TableBuilder(mapping, name, spec)
    con.execute(f"CREATE TABLE staged AS {builder.select_sql()}")
    count = TableCount(read=_scalar(con, "SELECT count(*) FROM staged"))
    for reason, n in con.execute(
        "SELECT _skip, count(*) FROM staged WHERE _skip IS NOT NULL GROUP BY 1 ORDER BY 1"
    ).fetchall():
        count.skipped_reasons[reason] = n
    count.skipped = sum(count.skipped_reasons.values())
    con.execute("DELETE FROM staged WHERE _skip IS NOT NULL")

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
        con.execute(
            f"UPDATE staged s SET _reject = {{'field': {field_sql}, 'value': s.{column}, "
            f"'reason': {reason}}} WHERE s._reject IS NULL AND s.{column} IS NOT NULL "
            f"AND NOT {exists}"
        )

    if name == CRIMES.name:
        # An offence recorded outside the dates its code was in force is a data error.
        field_sql = _lit(_source_field(spec, "recorded_date"))
        con.execute(
            f"""UPDATE staged s SET _reject = {{'field': {field_sql},
                    'value': CAST(s.recorded_date AS VARCHAR),
                    'reason': 'offence ' || s.offence_code || ' not in force on this date'}}
                FROM ref_offence_classification r
                WHERE s._reject IS NULL AND r.scheme = s.offence_scheme
                  AND r.code = s.offence_code
                  AND (s.recorded_date < r.in_force_from OR s.recorded_date > r.in_force_to)"""
        )

    key_columns = _link_columns(spec, "key")
    if key_columns:
        keys = ", ".join(_q(k) for k in key_columns)
        key_field = _lit(", ".join(str(c) for c in spec["key"]))
        con.execute(
            f"""UPDATE staged SET _reject = {{'field': {key_field}, 'value': NULL,
                'reason': 'missing key'}}
            WHERE _reject IS NULL AND ({" OR ".join(f"{_q(k)} IS NULL" for k in key_columns)})"""
        )
        # A key seen before: the later row is a duplicate of the first.
        con.execute(
            f"""
            UPDATE staged s SET _reject = {{'field': {key_field},
                'value': concat_ws(', ', {", ".join(f"s.{_q(k)}" for k in key_columns)}),
                'reason': 'duplicate key (first at ' || d._file || ' line ' || d._line || ')'}}
            FROM (SELECT {keys}, arg_min(_file, (_file, _line)) AS _file,
                         arg_min(_line, (_file, _line)) AS _line
                  FROM staged WHERE _reject IS NULL GROUP BY ALL) d
            WHERE s._reject IS NULL
              AND {" AND ".join(f"s.{_q(k)} = d.{_q(k)}" for k in key_columns)}
              AND (s._file, s._line) <> (d._file, d._line)
            """
        )

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
        field_sql = _lit(", ".join(str(c) for c in spec[link]))
        value_sql = f"concat_ws(', ', {', '.join(_q(c) for c in mine)})"
        con.execute(
            f"UPDATE staged SET _reject = {{'field': {field_sql}, 'value': {value_sql}, "
            f"'reason': 'no {link} with this key was loaded'}} "
            f"WHERE _reject IS NULL AND {id_column} IS NULL"
        )
    if name == RELATIONSHIPS.name:
        con.execute("ALTER TABLE staged ADD COLUMN crime_id BIGINT")
        suspect_field = _lit(", ".join(map(str, spec["suspect"])))
        suspect_value = f"concat_ws(', ', {', '.join(map(_q, _link_columns(spec, 'suspect')))})"
        con.execute(
            f"""UPDATE staged SET crime_id = _crime_of_victim,
                _reject = CASE WHEN _reject IS NULL AND _crime_of_victim <> _crime_of_suspect
                THEN {{'field': {suspect_field},
                       'value': {suspect_value},
                       'reason': 'victim and suspect are in different crimes'}}
                ELSE _reject END"""
        )
        # One row per pair: a second row for the same pair is a duplicate.
        con.execute(
            """UPDATE staged s SET _reject = {'field': 'victim, suspect', 'value': NULL,
                   'reason': 'duplicate victim-suspect pair (first at ' || d._file || ' line '
                             || d._line || ')'}
               FROM (SELECT victim_id, suspect_id, arg_min(_file, (_file, _line)) AS _file,
                            arg_min(_line, (_file, _line)) AS _line
                     FROM staged WHERE _reject IS NULL GROUP BY ALL) d
               WHERE s._reject IS NULL AND s.victim_id = d.victim_id
                 AND s.suspect_id = d.suspect_id AND (s._file, s._line) <> (d._file, d._line)"""
        )

    if spec.get("latest"):
        latest = _q(spec["latest"])
        superseded = _scalar(
            con,
            f"""SELECT count(*) FROM staged s WHERE _reject IS NULL AND EXISTS (
                SELECT 1 FROM staged t WHERE t._reject IS NULL AND t.crime_id = s.crime_id
                AND (t.{latest}, t._file, t._line) > (s.{latest}, s._file, s._line))""",
        )
        con.execute(
            f"""DELETE FROM staged WHERE _reject IS NULL AND (crime_id, _file, _line) NOT IN (
                SELECT (crime_id, arg_max(_file, ({latest}, _file, _line)),
                        arg_max(_line, ({latest}, _file, _line)))
                FROM staged WHERE _reject IS NULL GROUP BY crime_id)"""
        )
        if superseded:
            reason = "superseded by a later row for the same crime"
            count.skipped_reasons[reason] = superseded
            count.skipped += superseded

    count.rejected = _scalar(con, "SELECT count(*) FROM staged WHERE _reject IS NOT NULL")
    rejects = con.sql(
        f"""SELECT {_lit(name)} AS table_name, _file AS file, _line AS line,
                   _reject.field AS field, _reject.value AS value, _reject.reason AS reason
            FROM staged WHERE _reject IS NOT NULL ORDER BY _file, _line"""
    ).to_arrow_table()
    con.execute("DELETE FROM staged WHERE _reject IS NOT NULL")

    # Surrogate ids follow source order, so a reload of the same files gives the same ids.
    order = ", ".join(["_file", "_line"] + [_q(k) for k in key_columns])
    own_id = {CRIMES.name: "crime_id", VICTIMS.name: "victim_id", SUSPECTS.name: "suspect_id"}
    if name in own_id:
        con.execute(f"ALTER TABLE staged ADD COLUMN {own_id[name]} BIGINT")
        con.execute(
            f"UPDATE staged s SET {own_id[name]} = r.n FROM (SELECT rowid AS r_id, "
            f"row_number() OVER (ORDER BY {order}) AS n FROM staged) r WHERE s.rowid = r.r_id"
        )
        target = {"crimes": "crime", "victims": "victim", "suspects": "suspect"}[name]
        key_select = ", ".join(_q(k) for k in key_columns) or "NULL AS _key0"
        con.execute(
            f"CREATE TABLE keys_{name} AS SELECT {key_select}, {target}_id"
            + (", crime_id" if name != CRIMES.name else "")
            + " FROM staged"
        )
    count.loaded = _scalar(con, "SELECT count(*) FROM staged")
    columns = ", ".join(_q(c) for c in canonical.column_names)
    first_key = _q(canonical.key[0])
    table = con.sql(f"SELECT {columns} FROM staged ORDER BY {first_key}, {order}").to_arrow_table()
    con.execute(f"CREATE TABLE out_{name} AS SELECT {columns} FROM staged")
    con.execute("DROP TABLE staged")
    # Derived columns are still null here; the snapshot's writer enforces nullability.
    loose = pa.schema([f.with_nullable(True) for f in canonical.arrow_schema])
    return table.cast(loose), count, rejects.cast(REJECTS.arrow_schema)


def _reject_bad_records(
    canonical: CanonicalTable, count: TableCount, bad: list[_BadRecord]
) -> pa.Table:
    """Count a table's unreadable source records as read and rejected; their rejects rows."""
    count.read += len(bad)
    count.rejected += len(bad)
    return pa.table(
        {
            "table_name": [canonical.name] * len(bad),
            "file": [b.file for b in bad],
            "line": [b.line for b in bad],
            "field": ["(whole record)"] * len(bad),
            "value": [b.text for b in bad],
            "reason": [b.reason for b in bad],
        },
        schema=REJECTS.arrow_schema,
    )


def _source_field(spec: dict[str, Any], column: str) -> str:
    rule = (spec.get("columns") or {}).get(column)
    if isinstance(rule, dict) and "column" in rule:
        return str(rule["column"]).split(".")[-1]
    return column


def _derive_domestic_abuse(con: duckdb.DuckDBPyConnection, rule: dict[str, Any]) -> pa.Table:
    """Flag a crime when any of its victim-suspect pairs is in one of ``rule['groups']``."""
    groups = ", ".join(_lit(g) for g in rule.get("groups") or [])
    has_pairs = _scalar(
        con, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'out_relationships'"
    )
    flagged = (
        f"""crime_id IN (SELECT p.crime_id FROM out_relationships p JOIN ref_how_known_codes h
            ON h.scheme = p.how_known_scheme AND h.code = p.how_known
            WHERE h.how_known_group IN ({groups or "NULL"}))"""
        if has_pairs
        else "FALSE"
    )
    columns = ", ".join(
        f"({flagged}) AS domestic_abuse" if c == "domestic_abuse" else _q(c)
        for c in CRIMES.column_names
    )
    table = con.sql(f"SELECT {columns} FROM out_crimes ORDER BY crime_id").to_arrow_table()
    return table.cast(CRIMES.arrow_schema)


def _fill_outcomes(con: duckdb.DuckDBPyConnection) -> tuple[pa.Table, int]:
    """Outcomes plus a none-assigned-yet row for each crime the source gave no outcome."""
    has_outcomes = _scalar(
        con, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'out_outcomes'"
    )
    known = (
        "SELECT * FROM out_outcomes"
        if has_outcomes
        else (
            "SELECT NULL::BIGINT AS crime_id, NULL::VARCHAR AS outcome_code, "
            "NULL::DATE AS outcome_date WHERE FALSE"
        )
    )
    added = _scalar(
        con,
        f"SELECT count(*) FROM out_crimes WHERE crime_id NOT IN (SELECT crime_id FROM ({known}))",
    )
    table = con.sql(
        f"""SELECT * FROM ({known})
            UNION ALL
            SELECT crime_id, NULL, NULL FROM out_crimes
            WHERE crime_id NOT IN (SELECT crime_id FROM ({known}))
            ORDER BY crime_id"""
    ).to_arrow_table()
    return table.cast(OUTCOMES.arrow_schema), added
