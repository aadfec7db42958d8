"""Derived columns: what a mapping's ``derive: <name>`` rule computes, each a named step.

Some canonical columns have no source field in a force's extract and are worked out from
other tables once every table is mapped: a crime's domestic-abuse flag from the how-known
codes of its victim-suspect pairs, for sources with no flag of their own. Each such
computation is a ``Derivation`` registered here under the name a mapping file gives it,
for the one table and column it fills and the rule keys it reads. The mapping checks a
rule against the registry (``foidesk.records.mapping``); the loader runs every derivation
the mapping asks for over the staged tables (``out_<table>``, ``ref_<table>``) before the
tables are finished (``foidesk.records.ingest``), without knowing what any of them does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import duckdb

from foidesk.records.schema import CRIMES
from foidesk.records.sql import literal, quote_name

# Given the staging connection and the column's rule, a derivation prepares what it needs
# and returns the SQL of the column's value over a row ``c`` of ``out_<table>``.
Compute = Callable[[duckdb.DuckDBPyConnection, dict[str, Any]], str]


@dataclass(frozen=True)
class Derivation:
    """A named computation of one canonical column, and the rule keys it reads."""

    name: str
    table: str
    column: str
    keys: frozenset[str]
    describe: str
    compute: Compute


DERIVATIONS: dict[str, Derivation] = {}


def derivation(
    name: str, *, table: str, column: str, keys: tuple[str, ...] = (), describe: str
) -> Callable[[Compute], Compute]:
    """Register the decorated function as the derivation ``name`` of ``table.column``."""

    def register(compute: Compute) -> Compute:
        if name in DERIVATIONS:
            raise ValueError(f"a derivation called {name!r} is already registered")
        DERIVATIONS[name] = Derivation(name, table, column, frozenset(keys), describe, compute)
        return compute

    return register


def derived_columns(tables: dict[str, dict[str, Any]], table: str) -> dict[str, dict[str, Any]]:
    """The columns of ``table`` a mapping's ``tables`` derive, each with its rule."""
    columns = (tables.get(table) or {}).get("columns") or {}
    return {c: r for c, r in columns.items() if isinstance(r, dict) and "derive" in r}


def derive(
    con: duckdb.DuckDBPyConnection, table: str, column_names: list[str], rules: dict[str, Any]
) -> None:
    """Replace ``out_<table>`` by itself with each derived column computed by its rule."""
    if not rules:
        return
    values = {c: DERIVATIONS[r["derive"]].compute(con, r) for c, r in rules.items()}
    select = ", ".join(
        f"{values[c]} AS {quote_name(c)}" if c in values else f"c.{quote_name(c)}"
        for c in column_names
    )
    con.execute(f"CREATE TABLE derived_{table} AS SELECT {select} FROM out_{table} c")
    con.execute(f"DROP TABLE out_{table}")
    con.execute(f"ALTER TABLE derived_{table} RENAME TO out_{table}")


@derivation(
    "how_known_groups",
    table=CRIMES.name,
    column="domestic_abuse",
    keys=("groups",),
    describe="true when a victim-suspect pair of the crime's incident (of the crime itself, "
    "when it names no incident) has a how-known code in one of ``groups``",
)
def _how_known_groups(con: duckdb.DuckDBPyConnection, rule: dict[str, Any]) -> str:
    groups = ", ".join(literal(g) for g in rule.get("groups") or []) or "NULL"
    con.execute(
        f"""CREATE TEMP TABLE how_known_flagged AS SELECT DISTINCT p.crime_id
            FROM out_relationships p
            JOIN ref_how_known_codes h ON h.scheme = p.how_known_scheme AND h.code = p.how_known
            WHERE h.how_known_group IN ({groups})"""
    )
    return """(c.crime_id IN (SELECT crime_id FROM how_known_flagged) OR c.incident_ref IN (
                SELECT i.incident_ref FROM out_crimes i JOIN how_known_flagged f USING (crime_id)
                WHERE i.incident_ref IS NOT NULL))"""
