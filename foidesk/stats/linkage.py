"""The bridge from computed tables to disclosure control's linked-cell model.

Tables that count the same counting unit are linked: a crime in Table 3's 2019 row is
also in one of Table 5's 2019 cells. For each counting unit this module takes every
unit's interior cell in every table (``unit_frame``), and groups units by that tuple of
cells in the engine that holds them (DuckDB, Spark): each distinct tuple is one atom, and
every cell, total or interior, is a sum of atoms. ``apply_disclosure_control`` then
protects the tables of a disclosure together, with any earlier disclosures recomputed on
the same snapshot, and returns the tables with [c] markers (or rounded figures) and the
report for the manifest.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import duckdb
import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from foidesk.records.store import Snapshot, Store
from foidesk.stats.audit import AUDIT_FILE, Cell, LinkedCells
from foidesk.stats.compiler import Source, compute_table, unit_cells, unit_frame
from foidesk.stats.disclosure import (
    SUPPRESSED,
    DisclosureError,
    DisclosureOutcome,
    DisclosurePolicy,
    protect,
    round_to,
)
from foidesk.stats.specs import UNIT_KEYS, TableSpec
from foidesk.stats.table import TOTAL, CellKey, ComputedTable
from foidesk.stats.table import Cell as TableCell


@dataclass(frozen=True)
class EarlierPackage:
    """A disclosure already on the log: its table specifications and its [c] cells.

    The answer package layer builds these from published answers; statistics code only
    receives them.

    Its tables are recomputed on the current snapshot and treated as known to an attacker
    (except their [c] cells), which is conservative for live data: the attacker gets the
    earlier figures as they would be now, consistent with today's tables.
    """

    reference: str
    specs: tuple[TableSpec, ...]
    suppressed: frozenset[tuple[str, CellKey]] = frozenset()


def sharing_records(
    tables: Sequence[ComputedTable],
    packages: Sequence[EarlierPackage],
    store: Store,
    snapshot: Snapshot,
) -> list[EarlierPackage]:
    """The packages with a table that counts some of the same units as ``tables``.

    Only those can be differenced against this disclosure; the caller finds the
    candidates (on the disclosure log) and this decides on the records themselves.
    """
    by_unit: dict[str, list[pa.Table]] = {}
    for table in tables:
        keys = list(UNIT_KEYS[table.spec.counting_unit])
        frame = unit_cells(table.spec, store, snapshot).select(keys)
        by_unit.setdefault(table.spec.counting_unit, []).append(frame)
    found = []
    con = duckdb.connect()
    try:
        for package in packages:
            if any(_overlaps(con, spec, by_unit, store, snapshot) for spec in package.specs):
                found.append(package)
    finally:
        con.close()
    return found


def _overlaps(
    con: duckdb.DuckDBPyConnection,
    spec: TableSpec,
    by_unit: Mapping[str, list[pa.Table]],
    store: Store,
    snapshot: Snapshot,
) -> bool:
    if spec.counting_unit not in by_unit:
        return False
    keys = ", ".join(f'"{k}"' for k in UNIT_KEYS[spec.counting_unit])
    con.register(
        "theirs", unit_cells(spec, store, snapshot).select(list(UNIT_KEYS[spec.counting_unit]))
    )
    try:
        for frame in by_unit[spec.counting_unit]:
            con.register("ours", frame)
            hit = con.execute(
                f"SELECT EXISTS (SELECT 1 FROM ours SEMI JOIN theirs USING ({keys}))"
            ).fetchall()[0][0]
            con.unregister("ours")
            if hit:
                return True
        return False
    finally:
        con.unregister("theirs")


@dataclass
class LinkedTables:
    """Computed tables over shared atoms, with each model cell's place in its table."""

    cells: LinkedCells
    places: dict[str, tuple[str, CellKey]] = field(default_factory=dict)


def cell_id(table_id: str, key: CellKey, package: str | None = None) -> str:
    """A readable, unique id for a table cell: ``table_3 | 2019 | Total``."""
    row, column = key
    parts = [table_id, " / ".join(row) or "-", " / ".join(column) or "-"]
    return (f"{package}: " if package else "") + " | ".join(parts)


def link_tables(
    tables: Sequence[ComputedTable],
    frames: Mapping[str, pa.Table | ir.Table],
    earlier: Sequence[tuple[str, ComputedTable, pa.Table | ir.Table]] = (),
    *,
    zero_atoms: bool = False,
) -> LinkedTables:
    """Build the linked-cell model of ``tables`` (and earlier tables) from unit frames.

    ``frames[table.id]`` is the table's units and their cells: ``unit_frame`` (an Ibis
    expression, grouped into atoms on its engine) or ``unit_cells`` (Arrow); ``earlier``
    holds (package reference, recomputed table with its [c] markers, its units). With
    ``zero_atoms``, a table that is alone in its counting unit gets an empty atom for each
    empty cell, so that a zero can be protected; in linked tables which combination an
    empty cell would belong to is unknown, so zeros there stay exact (and exposed).
    """
    entries: list[tuple[str | None, ComputedTable, pa.Table | ir.Table]] = [
        (None, t, frames[t.id]) for t in tables
    ] + list(earlier)
    cells: list[Cell] = []
    places: dict[str, tuple[str, CellKey]] = {}
    offset = 0
    atom_values: list[np.ndarray] = []
    for unit in sorted({t.spec.counting_unit for _, t, _ in entries}):
        group = [e for e in entries if e[1].spec.counting_unit == unit]
        atoms_of, counts = _atoms(unit, group)
        if zero_atoms and len(group) == 1:
            table = group[0][1]
            empty = [i for i in range(table.counts.size) if i not in atoms_of[0]]
            atoms_of[0].update({i: [len(counts) + n] for n, i in enumerate(empty)})
            counts = np.concatenate([counts, np.zeros(len(empty), dtype=np.int64)])
        for position, (package, table, _) in enumerate(group):
            name = table.id if package is None else f"{package}: {table.id}"
            interior = atoms_of[position]
            ncols = len(table.column_keys)
            index = {
                (row, col): i * ncols + j
                for i, row in enumerate(table.row_keys)
                for j, col in enumerate(table.column_keys)
            }
            for tc in table.cells():
                members = (
                    sorted({k for key in tc.sums for k in interior.get(index[key], ())})
                    if tc.is_total
                    else sorted(interior.get(index[tc.key], ()))
                )
                cid = cell_id(table.id, tc.key, package)
                places[cid] = (name, tc.key)
                cells.append(
                    Cell(
                        id=cid,
                        table=name,
                        labels=tc.row + tc.column,
                        value=tc.value,
                        atoms=tuple(offset + k for k in members),
                        published=package is None or tc.marker != SUPPRESSED,
                        earlier=package is not None,
                    )
                )
        atom_values.append(counts)
        offset += len(counts)
    values = np.concatenate(atom_values) if atom_values else np.zeros(0, dtype=np.int64)
    return LinkedTables(LinkedCells(cells, values), places)


def _atoms(
    unit: str, group: Sequence[tuple[str | None, ComputedTable, pa.Table | ir.Table]]
) -> tuple[list[dict[int, list[int]]], np.ndarray]:
    """For one counting unit: each table's interior cell -> atom ids, and atom counts.

    One query on the engine that holds the unit frames (DuckDB, PostgreSQL, Spark; Arrow
    frames run on DuckDB): each table's units are joined to its cells, the units are
    grouped by their tuple of cells, one cell per table, and only the atoms (a tuple of
    cells and its count) come back, however many units there are. Atoms are numbered in
    the order of their cell tuples, an absent cell last.
    """
    keys = list(UNIT_KEYS[unit])
    parts, names = [], []
    for position, (package, table, frame) in enumerate(group):
        kinds = [d.kind for d in table.spec.rows + table.spec.columns]
        label_rows = {
            f"label_{kind}": [(row + col)[n] for row in table.row_keys for col in table.column_keys]
            for n, kind in enumerate(kinds)
        }
        n_interior = len(table.row_keys) * len(table.column_keys)
        labels = ibis.memtable(
            pa.table({**label_rows, "cell": pa.array(range(n_interior), pa.int64())})
        )
        units = frame if isinstance(frame, ir.Table) else ibis.memtable(frame)
        units = units.select(*keys, *kinds)
        joined = units.left_join(labels, [units[k] == labels[f"label_{k}"] for k in kinds])
        parts.append(joined.select(*keys, t=ibis.literal(position, "int64"), cell=joined.cell))
        names.append(f"{package + ': ' if package else ''}{table.id}")
    units = ibis.union(*parts)
    tables = range(len(group))
    cols = [f"c{p}" for p in tables]
    in_table = {p: units.t == p for p in tables}
    per_unit = units.group_by(keys).aggregate(
        **{f"c{p}": units.cell.max(where=in_table[p]) for p in tables},
        **{f"rows{p}": in_table[p].cast("int64").sum() for p in tables},
        **{f"lost{p}": (in_table[p] & units.cell.isnull()).cast("int64").sum() for p in tables},
    )
    atoms = (
        per_unit.group_by(cols)
        .aggregate(
            n=per_unit.count(),
            **{f"twice{p}": (per_unit[f"rows{p}"] > 1).cast("int64").sum() for p in tables},
            **{f"lost{p}": per_unit[f"lost{p}"].sum() for p in tables},
        )
        .to_pyarrow()
    )
    for p, name in zip(tables, names, strict=True):
        lost = int(pc.sum(atoms[f"lost{p}"]).as_py() or 0)
        if lost:
            raise ValueError(f"{name}: {lost} counting units fall in no listed cell")
        twice = int(pc.sum(atoms[f"twice{p}"]).as_py() or 0)
        if twice:
            raise ValueError(f"{name}: {twice} counting units fall in more than one cell")
    # An absent cell (null) sorts after every cell id.
    order = pa.table({c: pc.fill_null(atoms[c], np.iinfo(np.int64).max) for c in cols})
    atoms = atoms.take(pc.sort_indices(order, [(c, "ascending") for c in cols]))
    counts = atoms["n"].to_numpy().astype(np.int64)
    per_table = []
    for p in tables:
        members: dict[int, list[int]] = {}
        for atom, cell in enumerate(atoms[f"c{p}"].to_pylist()):
            if cell is not None:
                members.setdefault(int(cell), []).append(atom)
        per_table.append(members)
    return per_table, counts


@dataclass(frozen=True)
class RoundedTable(ComputedTable):
    """A computed table whose every figure, each total included, is rounded on its own.

    It holds no unrounded figure: interior counts are stored rounded, and each total is
    the true total rounded (so it may differ from the sum of the rounded figures).
    """

    base: int = 5
    rounded_totals: Mapping[CellKey, int] = field(default_factory=dict)

    @classmethod
    def of(cls, table: ComputedTable, base: int) -> RoundedTable:
        totals = {c.key: round_to(c.value, base) for c in table.cells() if c.is_total}
        grand = ((TOTAL,) * len(table.spec.rows), (TOTAL,) * len(table.spec.columns))
        totals.setdefault(grand, round_to(table.grand_total, base))
        values = {f.name: getattr(table, f.name) for f in fields(table)}
        values["counts"] = (table.counts + base // 2) // base * base
        return cls(**values, base=base, rounded_totals=totals)

    def cells(self) -> list[TableCell]:
        return [
            replace(c, value=self.rounded_totals[c.key]) if c.is_total else c
            for c in super().cells()
        ]

    @property
    def grand_total(self) -> int:
        return self.rounded_totals[(self.total_row_key, self.total_column_key)]


def apply_disclosure_control(
    tables: list[ComputedTable],
    policy: Mapping[str, Any] | DisclosurePolicy | None,
    *,
    store: Store | None = None,
    snapshot: Snapshot | None = None,
    earlier: Sequence[EarlierPackage] = (),
    source: Source | None = None,
) -> tuple[list[ComputedTable], dict[str, Any]]:
    """Protect a disclosure's tables together; return them marked, and the report.

    The units are grouped into atoms where the records are: on ``source`` (any engine,
    e.g. Spark), or on the snapshot (the store's current one by default) of ``store``.

    Suppressed cells get the [c] marker (``ComputedTable.with_markers``); with the
    rounding policy every figure is rounded. The report is for the manifest: the
    policy, the [c] pattern, the solver's status and the audit of every [c] cell. It
    also carries the audit problem, which ``write_audit_file`` moves to its own file.
    Raises ``DisclosureError`` if the pattern does not pass the audit.
    """
    rules = (
        policy
        if isinstance(policy, DisclosurePolicy)
        else DisclosurePolicy.from_mapping(policy, source="disclosure_control")
    )
    if rules.method == "round":
        rounded: list[ComputedTable] = [RoundedTable.of(t, rules.rounding_base) for t in tables]
        report = {
            "method": "round",
            "policy": asdict(rules),
            "summary": f"every figure rounded to the nearest {rules.rounding_base}",
            "applied": True,
            "cells_marked": 0,
            "note": rules.note(),
            "pattern": [],
        }
        return rounded, report
    if source is None:
        if store is None:
            raise ValueError("apply_disclosure_control needs a store or a source")
        source = Source.from_store(store, snapshot)
    frames = {t.id: unit_frame(t.spec, source) for t in tables}
    earlier_entries = []
    for package in earlier:
        for spec in package.specs:
            table = compute_table(spec, source)
            marks = {key: SUPPRESSED for tid, key in package.suppressed if tid == spec.id}
            try:
                table = table.with_markers(marks)
            except KeyError as exc:
                raise DisclosureError(
                    f"earlier package {package.reference}: its [c] cells are not in its "
                    f"tables as computed now: {exc}"
                ) from None
            earlier_entries.append((package.reference, table, unit_frame(spec, source)))
    linked = link_tables(tables, frames, earlier_entries, zero_atoms=rules.suppress_zero)
    outcome = protect(linked.cells, rules)
    if not outcome.passed:
        exposed = ", ".join(i.cell for i in outcome.audit.exposed) if outcome.audit else ""
        raise DisclosureError(
            f"the suppression pattern does not pass the audit ({outcome.suppression.status}); "
            f"exposed: {exposed}"
        )
    marked = []
    for table in tables:
        marks = {
            linked.places[cid][1]: SUPPRESSED
            for cid in outcome.suppressed
            if linked.places[cid][0] == table.id
        }
        marked.append(table.with_markers(marks) if marks else table)
    return marked, disclosure_report(outcome, linked)


def disclosure_report(outcome: DisclosureOutcome, linked: LinkedTables) -> dict[str, Any]:
    """The manifest's disclosure section, with the audit problem for ``write_audit_file``.

    It does not say which [c] cells are small counts and which were hidden to protect
    them (that would give the small ones away); the audit file, which is never published,
    does.
    """
    report = outcome.report(internal=False)
    status = outcome.suppression.status if outcome.suppression else "not run"
    report["summary"] = (
        f"{len(outcome.suppressed)} cells shown as [c]; audit "
        f"{'passed' if outcome.passed else 'FAILED'} (HiGHS {status})"
    )
    report["note"] = outcome.policy.note()
    report["applied"] = True
    report["cells_marked"] = len(outcome.suppressed)
    report["pattern"] = [
        {
            "table": linked.places[c][0],
            "row": list(linked.places[c][1][0]),
            "column": list(linked.places[c][1][1]),
        }
        for c in sorted(outcome.suppressed)
    ]
    values = {c.id: c.value for c in linked.cells.cells}
    by_table: dict[str, dict[str, Any]] = {}
    for c in outcome.suppressed:
        entry = by_table.setdefault(linked.places[c][0], {"cells": 0, "value": 0})
        entry["cells"] += 1
        entry["value"] += values[c]
    # What the pattern costs the reader, per table: how many figures and how much count
    # they hold together. The manifest is not one of the published files.
    report["by_table"] = [{"table": t, **by_table[t]} for t in sorted(by_table)]
    report["audit_file"] = AUDIT_FILE
    if outcome.audit_problem is not None:
        # Timings vary between runs, so they stay out of the manifest, in the internal file.
        report["audit_problem"] = {
            **outcome.audit_problem.to_json(),
            "seconds": {
                "total": round(outcome.seconds, 4),
                "search": round(outcome.suppression.seconds, 4) if outcome.suppression else 0,
                "audit": round(outcome.audit.seconds, 4) if outcome.audit else 0,
            },
        }
    return report


def write_audit_file(out_dir: str | Path, report: dict[str, Any]) -> Path | None:
    """Move the report's audit problem into ``out_dir/disclosure_audit.json``.

    The file is internal: it is what ``foidesk audit`` re-checks, and is never one of the
    attachments published on the disclosure log. Returns None for the rounding policy.
    """
    problem = report.pop("audit_problem", None)
    if problem is None:
        return None
    path = Path(out_dir) / AUDIT_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(problem, indent=1) + "\n", encoding="utf-8")
    return path
