"""A mapping's rules compiled to SQL: how each canonical column is made from a joined
source row, which rows the ``skip`` rules set aside, and why a row is rejected.

``TableSQL`` turns one table's rules (``foidesk.records.mapping``) into one SELECT over the
staged sources; the loader (``foidesk.records.ingest``) runs it and keeps or rejects each
row. Nothing here touches a database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from foidesk.records.mapping import _GENERATED, _LINKS, Mapping
from foidesk.records.schema import SQL_TYPES, TABLES_BY_NAME, CanonicalTable
from foidesk.records.sql import literal as _lit
from foidesk.records.sql import quote_name as _q

# Why a row is rejected: the source field and value to blame, the reason, the file and
# (ordinal) line of the source row blamed, and, for a reason that points at another row
# ("first at", "rejected from crimes at"), that row's file and line.
REJECT_TYPE = (
    "STRUCT(field VARCHAR, value VARCHAR, reason VARCHAR, file VARCHAR, line BIGINT, "
    "ref VARCHAR, ref_file VARCHAR, ref_line BIGINT)"
)


def reject_sql(
    field_sql: str,
    value_sql: str,
    reason_sql: str,
    where: tuple[str, str] = ("NULL", "NULL"),
    ref: tuple[str, str, str] = ("NULL", "NULL", "NULL"),
) -> str:
    return (
        f"{{'field': {field_sql}, 'value': {value_sql}, 'reason': {reason_sql}, "
        f"'file': {where[0]}, 'line': {where[1]}, "
        f"'ref': {ref[0]}, 'ref_file': {ref[1]}, 'ref_line': {ref[2]}}}"
    )


class TableSQL:
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

    def column(self, spec: Any, target: pa.DataType) -> ColumnSQL:
        """The SQL that makes one canonical column from its rule."""
        if not isinstance(spec, dict):
            spec = {"constant": spec}
        sql_type = SQL_TYPES[str(target)]
        if "constant" in spec:
            return ColumnSQL(f"CAST({_lit(spec['constant'])} AS {sql_type})")
        if "derive" in spec:
            return ColumnSQL(f"CAST(NULL AS {sql_type})")
        if "first" in spec:
            # The first alternative with a value wins; a bad value in any alternative
            # rejects the row, naming that alternative's field.
            parts = [self.column(alt, target) for alt in spec["first"]]
            failing = [f"({p.error}) IS NOT NULL" for p in parts]
            return ColumnSQL(
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
                alias=" ".join(
                    ["CASE"]
                    + [
                        f"WHEN {f} THEN {_lit(p.alias)}"
                        for f, p in zip(failing, parts, strict=True)
                    ]
                    + ["END"]
                ),
            )
        raw = self.ref(spec["column"])
        if "null_if" in spec:
            # Source values that mean "none" (e.g. NIBRS age codes): null, not rejected.
            nulls = ", ".join(_lit(str(v)) for v in spec["null_if"])
            raw = f"(CASE WHEN {raw} IN ({nulls}) THEN NULL ELSE {raw} END)"
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
        field_name = _lit(str(spec["column"]).split(".")[-1])
        return ColumnSQL(value, error, field_name, raw, self.alias_of(spec["column"]))

    def alias_of(self, column: str) -> str:
        """The source a column reference reads from: its values' file and line are blamed."""
        prefix, _, rest = str(column).partition(".")
        return prefix if rest and prefix in self.aliases else self.base

    def blame(self, alias: str | None) -> tuple[str, str]:
        """SQL for the file and line of the source row a failing value came from."""
        if alias is None or alias == "NULL":
            return f"{_q(self.base)}._file", f"{_q(self.base)}._line"
        if alias.startswith("CASE"):
            chosen = [
                tuple(f"WHEN {alias} = {_lit(a)} THEN {_q(a)}.{c}" for c in ("_file", "_line"))
                for a in self.aliases
            ]
            return (
                f"CASE {' '.join(f for f, _ in chosen)} ELSE {_q(self.base)}._file END",
                f"CASE {' '.join(n for _, n in chosen)} ELSE {_q(self.base)}._line END",
            )
        return f"{_q(alias)}._file", f"{_q(alias)}._line"

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
                sql = ColumnSQL(f"{_q(self.base)}._file")
            elif column.name == "force" and self.mapping.force is not None:
                sql = ColumnSQL(_lit(self.mapping.force))
            else:
                sql = ColumnSQL(f"CAST(NULL AS {SQL_TYPES[str(column.type)]})")
            selects.append(f"{sql.value} AS {_q(column.name)}")
            derived = isinstance(rule, dict) and "derive" in rule
            if not column.nullable and not derived:
                missing = f"CASE WHEN ({sql.value}) IS NULL THEN 'missing value' END"
                field = sql.field if sql.field != "NULL" else _lit(column.name)
                sql = ColumnSQL(
                    sql.value, f"coalesce({sql.error}, {missing})", field, sql.raw, sql.alias
                )
            checks.append(sql)
        reject = " ".join(
            f"WHEN ({c.error}) IS NOT NULL THEN "
            + reject_sql(c.field, f"CAST({c.raw} AS VARCHAR)", f"({c.error})", self.blame(c.alias))
            for c in checks
        )
        for alias in self.aliases:
            # Which row of each source this row was made from, to reject it with that row.
            selects.append(f"{_q(alias)}._file AS {_q('_file@' + alias)}")
            selects.append(f"{_q(alias)}._line AS {_q('_line@' + alias)}")
        selects.append(f"{self.skip_sql()} AS _skip")
        selects.append(f"CAST(CASE {reject} END AS {REJECT_TYPE}) AS _reject")
        return f"SELECT {', '.join(selects)} FROM {self.from_clause()}"


@dataclass(frozen=True)
class ColumnSQL:
    """SQL for one canonical column: its value, why it fails (NULL if fine), the source
    field to blame and the raw source value, as expressions over one joined source row."""

    value: str
    error: str = "NULL"
    field: str = "NULL"
    raw: str = "NULL"
    alias: str | None = None  # the source (or SQL choosing it) the value comes from
