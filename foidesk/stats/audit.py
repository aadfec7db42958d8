"""The attacker's view of a disclosure, and the interval audit of suppressed cells.

An attacker sees the published cells of every table in a disclosure (and of earlier
disclosures). Each published cell is a sum of non-negative whole unknowns, the *atoms*:
the common refinement of all cells that count the same counting unit. The attacker also
reads the Notes: when zeros are never hidden, every [c] is at least 1. This module owns
that model (``Cell``, ``LinkedCells``), the audit problem built from it
(``AuditProblem``, which holds no true value of a suppressed cell and so can be written
next to an answer), and the audit itself: for every suppressed cell, the smallest and
largest whole value it can take given everything published, found with HiGHS.
"""

from __future__ import annotations

import functools
import json
import math
import os
import sys
import time
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import highspy
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

AUDIT_FILE = "disclosure_audit.json"
AUDIT_FORMAT = "foidesk-disclosure-audit/2"
# Files of the first format were written before [c] cells had a known least value.
_READABLE_FORMATS = (AUDIT_FORMAT, "foidesk-disclosure-audit/1")
_TOLERANCE = 1e-6
# Seconds for one whole-number bound, solved only where the linear bound's vertex is not
# whole. If the time runs out, the best whole value found stands in for the bound.
MIP_SECONDS = 1.0


@dataclass(frozen=True)
class Cell:
    """One cell of a table as an attacker sees it: a sum over atoms.

    ``earlier`` marks a cell of an earlier, already published disclosure: it is known to
    the attacker (unless it was itself suppressed) and can never be suppressed now.
    """

    id: str
    table: str
    labels: tuple[str, ...]
    value: int
    atoms: tuple[int, ...]
    published: bool = True
    earlier: bool = False


@dataclass(frozen=True)
class Requirement:
    """What the attacker must not be able to rule out about one suppressed cell.

    The attacker's lower bound must be at most ``lower_at_most`` and the upper bound at
    least ``upper_at_least``. A cell with neither (a complementary cell) only has to be
    not exactly derivable, unless ``may_be_exact``: an earlier disclosure's complementary
    cell, which protects nothing of this one.
    """

    lower_at_most: int | None = None
    upper_at_least: int | None = None
    may_be_exact: bool = False

    def to_json(self) -> dict[str, int | bool | None]:
        return {
            "lower_at_most": self.lower_at_most,
            "upper_at_least": self.upper_at_least,
            "may_be_exact": self.may_be_exact,
        }


@dataclass
class LinkedCells:
    """Every cell of one disclosure (and earlier ones) over a shared set of atoms."""

    cells: list[Cell]
    atom_values: np.ndarray

    def __post_init__(self) -> None:
        self.atom_values = np.asarray(self.atom_values, dtype=np.int64)
        ids = [c.id for c in self.cells]
        if len(set(ids)) != len(ids):
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            raise ValueError(f"cell ids must be unique; repeated: {', '.join(dupes[:5])}")
        n = len(self.atom_values)
        if (self.atom_values < 0).any():
            raise ValueError("atom values must be non-negative counts")
        for cell in self.cells:
            if any(k < 0 or k >= n for k in cell.atoms):
                raise ValueError(f"cell {cell.id} ({cell.table}): atom index out of range")
            total = int(self.atom_values[list(cell.atoms)].sum()) if cell.atoms else 0
            if total != cell.value:
                raise ValueError(
                    f"cell {cell.id} ({cell.table} {' / '.join(cell.labels)}): value "
                    f"{cell.value} is not the sum of its atoms ({total})"
                )

    @property
    def n_atoms(self) -> int:
        return len(self.atom_values)

    def index(self) -> dict[str, int]:
        return {c.id: i for i, c in enumerate(self.cells)}

    def incidence(self) -> sp.csr_matrix:
        """The 0/1 matrix of cells (rows) by atoms (columns)."""
        return incidence([c.atoms for c in self.cells], self.n_atoms)

    def values(self) -> np.ndarray:
        return np.array([c.value for c in self.cells], dtype=np.int64)

    def components(self) -> list[list[int]]:
        """Indexes of cells that share atoms, directly or through other cells.

        Cells in different components have no additive link, so each component can be
        protected on its own.
        """
        a = self.incidence()
        n_cells = a.shape[0]
        graph = sp.bmat([[None, a], [a.T, None]], format="csr")
        _, labels = connected_components(graph, directed=False)
        groups: dict[int, list[int]] = {}
        for i in range(n_cells):
            groups.setdefault(int(labels[i]), []).append(i)
        return list(groups.values())

    def subset(self, indexes: Sequence[int]) -> LinkedCells:
        """The given cells alone, over only the atoms they use (renumbered)."""
        chosen = [self.cells[i] for i in indexes]
        used = sorted({k for c in chosen for k in c.atoms})
        renumber = {k: n for n, k in enumerate(used)}
        return LinkedCells(
            [replace(c, atoms=tuple(renumber[k] for k in c.atoms)) for c in chosen],
            self.atom_values[used],
        )

    def audit_problem(
        self,
        suppressed: Iterable[str],
        requirements: dict[str, Requirement],
        hidden_at_least: int = 0,
    ) -> AuditProblem:
        """What an attacker knows once ``suppressed`` cells are shown as [c].

        ``hidden_at_least`` is the least value the publication says a [c] has (1 when
        zeros are never hidden). A [c] of an earlier disclosure that is in truth 0 was
        hidden under a policy that hides zeros, so it is known only to be at least 0.
        """
        hidden = set(suppressed)
        return AuditProblem(
            n_atoms=self.n_atoms,
            cells=[
                AuditCell(
                    id=c.id,
                    table=c.table,
                    labels=c.labels,
                    atoms=c.atoms,
                    value=None if c.id in hidden or not c.published else c.value,
                    requirement=requirements.get(c.id, Requirement())
                    if c.id in hidden or not c.published
                    else None,
                    at_least=min(hidden_at_least, c.value)
                    if c.id in hidden or not c.published
                    else 0,
                )
                for c in self.cells
            ],
        )


def incidence(atom_lists: Sequence[Sequence[int]], n_atoms: int) -> sp.csr_matrix:
    """A sparse 0/1 matrix with one row per atom list."""
    rows = np.repeat(np.arange(len(atom_lists)), [len(a) for a in atom_lists])
    cols = np.fromiter((k for a in atom_lists for k in a), dtype=np.int64, count=len(rows))
    data = np.ones(len(rows), dtype=np.float64)
    return sp.csr_matrix((data, (rows, cols)), shape=(len(atom_lists), n_atoms))


@dataclass(frozen=True)
class AuditCell:
    """One cell of an audit problem: published with its value, or suppressed (value None)."""

    id: str
    table: str
    labels: tuple[str, ...]
    atoms: tuple[int, ...]
    value: int | None
    requirement: Requirement | None = None
    at_least: int = 0  # what the attacker knows of a suppressed cell from the Notes

    @property
    def suppressed(self) -> bool:
        return self.value is None


@dataclass
class AuditProblem:
    """Everything the audit needs, and nothing an attacker should not have.

    It holds published values and the atom structure, never a suppressed cell's value
    nor any atom's count, so it can be stored beside an answer and re-audited later.
    """

    n_atoms: int
    cells: list[AuditCell]

    def to_json(self) -> dict[str, Any]:
        return {
            "format": AUDIT_FORMAT,
            "n_atoms": self.n_atoms,
            "cells": [
                {
                    "id": c.id,
                    "table": c.table,
                    "labels": list(c.labels),
                    "atoms": list(c.atoms),
                    "value": c.value,
                    **({"requirement": c.requirement.to_json()} if c.requirement else {}),
                    **({"at_least": c.at_least} if c.suppressed else {}),
                }
                for c in self.cells
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], source: str = "audit problem") -> AuditProblem:
        if data.get("format") not in _READABLE_FORMATS:
            raise ValueError(f"{source}: not a disclosure audit file (format {AUDIT_FORMAT})")
        cells = []
        for i, row in enumerate(data["cells"]):
            try:
                req = row.get("requirement")
                cells.append(
                    AuditCell(
                        id=str(row["id"]),
                        table=str(row["table"]),
                        labels=tuple(row["labels"]),
                        atoms=tuple(int(k) for k in row["atoms"]),
                        value=None if row["value"] is None else int(row["value"]),
                        requirement=Requirement(**req) if req is not None else None,
                        at_least=int(row.get("at_least", 0)),
                    )
                )
            except (KeyError, TypeError, ValueError) as exc:
                raise ValueError(f"{source}: cell {i}: bad or missing field: {exc}") from exc
        n_atoms = int(data.get("n_atoms", -1))
        for i, cell in enumerate(cells):
            if any(not 0 <= k < n_atoms for k in cell.atoms):
                raise ValueError(f"{source}: cell {i} ({cell.id}): atoms: outside 0..n_atoms-1")
        return cls(n_atoms=n_atoms, cells=cells)

    def write(self, directory: str | Path) -> Path:
        path = Path(directory) / AUDIT_FILE
        path.write_text(json.dumps(self.to_json(), indent=1) + "\n", encoding="utf-8")
        return path

    @classmethod
    def read(cls, path: str | Path) -> AuditProblem:
        path = Path(path)
        if path.is_dir():
            path = path / AUDIT_FILE
        if not path.exists():
            raise FileNotFoundError(f"{path}: no disclosure audit file here")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: not valid JSON: {exc}") from exc
        return cls.from_json(data, source=str(path))


@dataclass(frozen=True)
class Interval:
    """The values an attacker cannot rule out for one suppressed cell.

    ``high`` is None when the published cells put no upper limit on the cell.
    """

    cell: str
    table: str
    labels: tuple[str, ...]
    low: int
    high: int | None
    requirement: Requirement
    exposed: bool
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "cell": self.cell,
            "table": self.table,
            "labels": list(self.labels),
            "low": self.low,
            "high": self.high,
            "requirement": self.requirement.to_json(),
            "exposed": self.exposed,
            "reason": self.reason,
        }


@dataclass
class AuditResult:
    """The interval of every suppressed cell and whether the disclosure passes."""

    intervals: list[Interval] = field(default_factory=list)
    status: str = "optimal"
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return self.status == "optimal" and not any(i.exposed for i in self.intervals)

    @property
    def exposed(self) -> list[Interval]:
        return [i for i in self.intervals if i.exposed]

    def to_json(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "status": self.status,
            "seconds": round(self.seconds, 4),
            "intervals": [i.to_json() for i in self.intervals],
        }


def highs_model(
    cost: np.ndarray,
    matrix: sp.spmatrix,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    col_lower: np.ndarray,
    col_upper: np.ndarray,
    integer: np.ndarray | None = None,
) -> highspy.Highs:
    """A silent HiGHS instance holding ``min cost·x : row_lower <= A x <= row_upper``."""
    csc = sp.csc_matrix(matrix)
    lp = highspy.HighsLp()
    lp.num_col_ = csc.shape[1]
    lp.num_row_ = csc.shape[0]
    lp.col_cost_ = np.asarray(cost, dtype=np.float64)
    lp.col_lower_ = np.asarray(col_lower, dtype=np.float64)
    lp.col_upper_ = np.asarray(col_upper, dtype=np.float64)
    lp.row_lower_ = np.asarray(row_lower, dtype=np.float64)
    lp.row_upper_ = np.asarray(row_upper, dtype=np.float64)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = csc.indptr.astype(np.int32)
    lp.a_matrix_.index_ = csc.indices.astype(np.int32)
    lp.a_matrix_.value_ = csc.data.astype(np.float64)
    if integer is not None and integer.any():
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous
            for flag in integer
        ]
    highs = _quiet_highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("random_seed", 0)
    highs.passModel(lp)
    return highs


@functools.cache
def _banner_shown() -> bool:
    # HiGHS prints a banner to the C-level stdout when its first instance is made, before
    # any option can turn output off; commands print their results to stdout, so the first
    # instance is made with stdout pointed at the null device.
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    return True


def _quiet_highs() -> highspy.Highs:
    _banner_shown()
    return highspy.Highs()


def audit(
    problem: AuditProblem, *, whole_numbers: bool = True, only: Collection[str] | None = None
) -> AuditResult:
    """The interval an attacker can infer for every suppressed cell.

    The attacker's feasible set is every assignment of non-negative whole numbers to the
    atoms under which each published cell has its published value and each suppressed
    cell is at least its ``at_least``. Each bound is found by linear programming; where
    the optimal vertex is not whole (possible only in linked tables that are not simply
    two-way), a mixed-integer programme gives the whole-number bound. A cell passes when
    its interval satisfies its requirement; a cell without one (a complementary cell)
    passes unless it is exact. ``whole_numbers=False`` gives the real-valued attacker,
    with bounds rounded inwards. ``only`` limits the intervals found to those cells.
    """
    started = time.perf_counter()
    hidden = [i for i, c in enumerate(problem.cells) if c.suppressed]
    bounded = [i for i in hidden if only is None or problem.cells[i].id in only]
    if not bounded:
        return AuditResult(seconds=time.perf_counter() - started)
    shown = [i for i, c in enumerate(problem.cells) if not c.suppressed]
    floored = [i for i in hidden if problem.cells[i].at_least > 0]
    rows = shown + floored
    a = incidence([problem.cells[i].atoms for i in rows], problem.n_atoms)
    lower = np.array(
        [problem.cells[i].value for i in shown] + [problem.cells[i].at_least for i in floored],
        dtype=np.float64,
    )
    upper = np.concatenate([lower[: len(shown)], np.full(len(floored), np.inf)])
    n = problem.n_atoms
    bounds_of = (np.zeros(n), np.full(n, highspy.kHighsInf))
    highs = highs_model(np.zeros(n), a, lower, upper, *bounds_of)
    # Only the objective changes between solves, so the last basis stays primal feasible:
    # primal simplex from it, without presolve (which would discard it), is far quicker.
    highs.setOptionValue("presolve", "off")
    highs.setOptionValue("simplex_strategy", 4)
    whole: list[highspy.Highs] = []  # the mixed-integer model, made when first needed

    def solve(model: highspy.Highs, sense: highspy.ObjSense, cost: np.ndarray) -> tuple:
        model.changeObjectiveSense(sense)
        model.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
        model.run()
        return model.getModelStatus(), model

    intervals: list[Interval] = []
    status = "optimal"
    for i in bounded:
        cell = problem.cells[i]
        requirement = cell.requirement or Requirement()
        cost = np.zeros(n)
        cost[list(cell.atoms)] = 1.0
        found: dict[highspy.ObjSense, float | None] = {}
        # Lower bounds are found exactly; an upper bound only as far as the verdict needs,
        # so a cell without a value to reach is bounded below first.
        senses = [highspy.ObjSense.kMinimize, highspy.ObjSense.kMaximize]
        if requirement.upper_at_least is not None:
            senses.reverse()
        for sense in senses:
            model_status, model = solve(highs, sense, cost)
            if model_status == highspy.HighsModelStatus.kOptimal and whole_numbers:
                vertex = np.asarray(model.getSolution().col_value)
                up = sense == highspy.ObjSense.kMaximize
                target = _enough(requirement, found.get(highspy.ObjSense.kMinimize))
                value = float(vertex[list(cell.atoms)].sum())
                if up and math.floor(value + _TOLERANCE) < target:
                    # Short of the requirement already with real numbers: exposed either
                    # way, so no whole-number bound is sought.
                    pass
                elif _fractional(vertex):
                    if not whole:
                        integer = np.ones(n, dtype=bool)
                        whole.append(highs_model(np.zeros(n), a, lower, upper, *bounds_of, integer))
                        whole[0].setOptionValue("time_limit", MIP_SECONDS)
                        # The objective, a cell, is whole: a gap under 1 proves the bound.
                        whole[0].setOptionValue("mip_abs_gap", 1.0 - _TOLERANCE)
                    whole[0].setOptionValue("objective_target", target if up else -math.inf)
                    model_status, model = solve(whole[0], sense, cost)
                    if (
                        model_status
                        in (
                            highspy.HighsModelStatus.kTimeLimit,
                            highspy.HighsModelStatus.kObjectiveTarget,
                        )
                        and model.getInfo().primal_solution_status == 2
                    ):
                        # Out of time, or a whole value found that already settles the
                        # verdict: that value is one the cell can take, so the true
                        # interval is at least this wide; judging the narrower one can
                        # only call a safe cell exposed, not the reverse.
                        model_status = highspy.HighsModelStatus.kOptimal
            if model_status == highspy.HighsModelStatus.kOptimal:
                found[sense] = model.getInfo().objective_function_value
            elif (
                model_status
                in (
                    highspy.HighsModelStatus.kUnbounded,
                    highspy.HighsModelStatus.kUnboundedOrInfeasible,
                )
                and sense == highspy.ObjSense.kMaximize
            ):
                found[sense] = None
            else:
                status = model.modelStatusToString(model_status)
                found[sense] = math.nan
        bounds = [found[highspy.ObjSense.kMinimize], found[highspy.ObjSense.kMaximize]]
        low_f, high_f = bounds
        if low_f is None or math.isnan(low_f) or (high_f is not None and math.isnan(high_f)):
            intervals.append(
                Interval(cell.id, cell.table, cell.labels, 0, None, Requirement(), True, status)
            )
            continue
        low = max(0, math.ceil(low_f - _TOLERANCE))
        high = None if high_f is None else math.floor(high_f + _TOLERANCE)
        exposed, reason = _judge(low, high, requirement)
        intervals.append(
            Interval(cell.id, cell.table, cell.labels, low, high, requirement, exposed, reason)
        )
    return AuditResult(intervals, status, time.perf_counter() - started)


def _fractional(vertex: np.ndarray) -> bool:
    return bool(np.abs(vertex - np.round(vertex)).max(initial=0.0) > _TOLERANCE)


def _enough(requirement: Requirement, low: float | None) -> float:
    """The whole value at which the search for an upper bound may stop: the verdict is
    settled. For a small count, the value its requirement says must stay possible; for a
    cell that only must not be exact, one above its lower bound."""
    if requirement.upper_at_least is not None:
        return float(requirement.upper_at_least)
    if low is None or math.isnan(low):
        return math.inf
    return float(math.ceil(low - _TOLERANCE) + 1)


def _judge(low: int, high: int | None, requirement: Requirement) -> tuple[bool, str]:
    if high is not None and high <= low and not requirement.may_be_exact:
        return True, f"exactly derivable: {low}"
    if requirement.lower_at_most is not None and low > requirement.lower_at_most:
        return True, f"attacker knows it is at least {low}"
    if (
        requirement.upper_at_least is not None
        and high is not None
        and high < requirement.upper_at_least
    ):
        return True, f"attacker knows it is at most {high}"
    return False, ""


def audit_answer(directory: str | Path, *, whole_numbers: bool = True) -> AuditResult:
    """Re-run the audit on a written answer from its ``disclosure_audit.json``."""
    return audit(AuditProblem.read(directory), whole_numbers=whole_numbers)
