"""The attacker's view of a disclosure, and the interval audit of suppressed cells.

An attacker sees the published cells of every table in a disclosure (and of earlier
disclosures). Each published cell is a sum of non-negative whole unknowns, the *atoms*:
the common refinement of all cells that count the same counting unit. The attacker also
reads the Notes: when zeros are never hidden, every [c] is at least 1. This module owns
that model (``Cell``, ``LinkedCells``), the audit problem built from it
(``AuditProblem``, which holds no true value of a suppressed cell and so can be written
next to an answer), and the audit itself: for every suppressed cell, the smallest and
largest whole value it can take given everything published, found with HiGHS, or as
far as the verdict needs, settled by whole-number solutions it has checked.
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
    # Mixed-integer programmes solved (joint searches for points, and single bounds).
    whole_solves: int = 0
    # Points built by moving a known point around cycles of hidden cells (each checked).
    moved: int = 0
    # The checked whole-number solutions found: atom counts, so never written out.
    points: list[np.ndarray] = field(default_factory=list, repr=False, compare=False)

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
    problem: AuditProblem,
    *,
    whole_numbers: bool = True,
    only: Collection[str] | None = None,
    points: Iterable[np.ndarray] = (),
) -> AuditResult:
    """The interval an attacker can infer for every suppressed cell.

    The attacker's feasible set is every assignment of non-negative whole numbers to the
    atoms under which each published cell has its published value and each suppressed
    cell is at least its ``at_least``. Each bound is found by linear programming; where
    the optimal vertex is not whole (possible only in linked tables that are not simply
    two-way), whole-number solutions (*points*) that settle the verdict are sought, and a
    mixed-integer programme is solved for a bound only where none is found. A cell passes
    when its interval satisfies its requirement; a cell without one (a complementary
    cell) passes unless it is exact. ``whole_numbers=False`` gives the real-valued
    attacker, with bounds rounded inwards. ``only`` limits the intervals found to those
    cells. ``points`` are whole-number solutions the caller knows (the true atom counts,
    or points an earlier audit of the same pattern found); each is checked against the
    problem first, and one that is not a solution is an error.
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
    witnessed = _Witnessed(problem, shown, floored, bounded)
    for point in points:
        reason = witnessed.add(point)
        if reason:
            raise ValueError(f"a point given to the audit is not a whole-number solution: {reason}")
    highs = highs_model(np.zeros(n), a, lower, upper, *bounds_of)
    # Only the objective changes between solves, so the last basis stays primal feasible:
    # primal simplex from it, without presolve (which would discard it), is far quicker.
    highs.setOptionValue("presolve", "off")
    highs.setOptionValue("simplex_strategy", 4)

    # The linear bounds of every cell first: cheap, exact where the vertex is whole (then
    # the vertex itself is a point), and enough to expose a cell whose real interval
    # already fails.
    status = "optimal"
    linear: dict[int, _Linear] = {}
    failed: dict[int, str] = {}
    for pos, i in enumerate(bounded):
        cost = np.zeros(n)
        cost[list(problem.cells[i].atoms)] = 1.0
        found: list[tuple[float | None, bool]] = []
        for sense in (highspy.ObjSense.kMinimize, highspy.ObjSense.kMaximize):
            highs.changeObjectiveSense(sense)
            highs.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
            highs.run()
            model_status = highs.getModelStatus()
            if model_status == highspy.HighsModelStatus.kOptimal:
                vertex = np.asarray(highs.getSolution().col_value)
                # A whole vertex makes the linear bound the whole-number one, but only once
                # it is checked as a solution (HiGHS's tolerances are not whole arithmetic).
                whole = not whole_numbers or (
                    not _fractional(vertex) and witnessed.add(vertex) == ""
                )
                found.append((highs.getInfo().objective_function_value, whole))
            elif sense == highspy.ObjSense.kMaximize and model_status in _UNBOUNDED:
                found.append((None, True))
            else:
                status = highs.modelStatusToString(model_status)
                failed[pos] = status
                break
        if pos not in failed:
            (low_f, low_whole), (high_f, high_whole) = found
            linear[pos] = _Linear(
                max(0, math.ceil(low_f - _TOLERANCE)),
                None if high_f is None else math.floor(high_f + _TOLERANCE),
                low_whole,
                high_whole,
            )

    requirements = [problem.cells[i].requirement or Requirement() for i in bounded]
    # Where a vertex is not whole, points settle what they can: first points moved from
    # a known one around cycles of hidden cells, a linear programme per goal; then many
    # cells at once (a programme seeking one point that meets as many open goals as it
    # can); then each cell left with a mixed-integer programme of its own for its bound.
    solves = moved = 0
    if whole_numbers and witnessed.points:
        moved = _points_by_moves(problem, shown, floored, bounded, linear, witnessed, requirements)
    if whole_numbers:
        goals = _open_goals(linear, witnessed, requirements)
        seconds = JOINT_SECONDS
        while goals and seconds <= JOINT_SECONDS_MOST:
            solves += 1
            start = witnessed.points[0] if witnessed.points else None
            point = _joint_point(a, lower, upper, problem, bounded, linear, goals, start, seconds)
            if point is None or witnessed.add(point):
                # Nothing found in time (or a point that fails the check): more time.
                seconds *= 2
                continue
            settled = sum(witnessed.reaches(pos, goal) for pos, goal in goals.items())
            goals = _open_goals(linear, witnessed, requirements)
            if settled < JOINT_AT_LEAST:
                seconds *= 2
        mip: list[highspy.Highs] = []  # the mixed-integer model, made when first needed
        for pos in goals:
            tried: set[_Goal] = set()
            # Points found for earlier cells may have settled this one meanwhile; and a
            # cell may want a value up, one down, and then not to be exact.
            goal = _goal(linear[pos], witnessed, pos, requirements[pos])
            while goal is not None and goal not in tried:
                tried.add(goal)
                if not mip:
                    integer = np.ones(n, dtype=bool)
                    mip.append(highs_model(np.zeros(n), a, lower, upper, *bounds_of, integer))
                    mip[0].setOptionValue("time_limit", MIP_SECONDS)
                    # The objective, a cell, is whole: a gap under 1 proves the bound.
                    mip[0].setOptionValue("mip_abs_gap", 1.0 - _TOLERANCE)
                solves += 1
                proven = _bound_by_mip(mip[0], problem.cells[bounded[pos]], goal, witnessed)
                if proven is not None:
                    linear[pos] = linear[pos].proven(goal.up, proven)
                goal = _goal(linear[pos], witnessed, pos, requirements[pos])

    intervals: list[Interval] = []
    for pos, i in enumerate(bounded):
        cell, requirement = problem.cells[i], requirements[pos]
        interval = None if pos in failed else linear[pos].interval(witnessed, pos, requirement)
        if interval is None:
            if pos not in failed:
                # No whole-number solution was found in time at all: nothing is known.
                status = failed[pos] = "time limit reached"
            reason = failed[pos]
            intervals.append(
                Interval(cell.id, cell.table, cell.labels, 0, None, Requirement(), True, reason)
            )
            continue
        low, high = interval
        exposed, reason = _judge(low, high, requirement)
        intervals.append(
            Interval(cell.id, cell.table, cell.labels, low, high, requirement, exposed, reason)
        )
    return AuditResult(
        intervals,
        status,
        time.perf_counter() - started,
        whole_solves=solves,
        moved=moved,
        points=witnessed.points,
    )


_UNBOUNDED = (
    highspy.HighsModelStatus.kUnbounded,
    highspy.HighsModelStatus.kUnboundedOrInfeasible,
)
# Seconds for one joint search for a point that meets many goals (below). A search that
# settles fewer than JOINT_AT_LEAST goals gives the next twice the time, up to
# JOINT_SECONDS_MOST; the goals then left get a mixed-integer programme each.
JOINT_SECONDS = 2.0
JOINT_SECONDS_MOST = 8.0
JOINT_AT_LEAST = 2
# A joint search stops once its point meets within this share of the most goals possible.
JOINT_GAP = 0.25


@dataclass(frozen=True)
class _Linear:
    """A cell's bounds with real numbers (rounded inwards), and whether each is known to
    be its whole-number bound too (its vertex was whole, or a programme proved it)."""

    low: int
    high: int | None
    low_whole: bool
    high_whole: bool

    def proven(self, up: bool, value: int) -> _Linear:
        if up:
            return replace(self, high=value, high_whole=True)
        return replace(self, low=value, low_whole=True)

    def interval(
        self, witnessed: _Witnessed, pos: int, requirement: Requirement
    ) -> tuple[int, int | None] | None:
        """The interval to judge (None: no point is known, so nothing whole is).

        A bound is exact where it is known; otherwise it is the furthest value a checked
        point gives the cell, a value the cell can take, so the interval judged is never
        wider than the attacker's and can only call a safe cell exposed. If the real
        interval already fails, it is the one reported: the cell is exposed either way.
        """
        if _judge(self.low, self.high, requirement)[0] or (self.low_whole and self.high_whole):
            return self.low, self.high
        seen_low, seen_high = witnessed.seen(pos)
        if seen_low is None or seen_high is None:
            return None
        low = self.low if self.low_whole or seen_low == self.low else seen_low
        high = self.high if self.high_whole or seen_high == self.high else seen_high
        return low, high


@dataclass(frozen=True)
class _Goal:
    """A value a cell must be shown able to reach (``up``: at least it, else at most)."""

    up: bool
    value: int


def _goal(
    bounds: _Linear, witnessed: _Witnessed, pos: int, requirement: Requirement
) -> _Goal | None:
    """The value a further point would have to give a cell whose verdict is not settled
    yet (None: it is settled, exposed or not, as far as points can settle it)."""
    if _judge(bounds.low, bounds.high, requirement)[0]:
        return None  # exposed with real numbers: no point can help
    interval = bounds.interval(witnessed, pos, requirement)
    if interval is None:
        # No point yet: any point at all meets this goal.
        return _Goal(True, bounds.low)
    low, high = interval
    if not _judge(low, high, requirement)[0]:
        return None
    need_up, need_down = requirement.upper_at_least, requirement.lower_at_most
    if need_up is not None and not bounds.high_whole and high is not None and high < need_up:
        return _Goal(True, need_up)
    if need_down is not None and not bounds.low_whole and low > need_down:
        return _Goal(False, need_down)
    # Exact as far as is known: a point one away from it, where the real bounds leave room.
    if not bounds.high_whole and (bounds.high is None or bounds.high > low):
        return _Goal(True, low + 1)
    if not bounds.low_whole and high is not None and bounds.low < high:
        return _Goal(False, high - 1)
    return None


def _open_goals(
    linear: dict[int, _Linear], witnessed: _Witnessed, requirements: Sequence[Requirement]
) -> dict[int, _Goal]:
    goals = {pos: _goal(b, witnessed, pos, requirements[pos]) for pos, b in linear.items()}
    return {pos: goal for pos, goal in goals.items() if goal is not None}


class _Witnessed:
    """Checked whole-number solutions of an audit problem, and the least and greatest
    value they give each bounded cell. A point is trusted only once it is checked here:
    whole, non-negative, every published cell at its value, every [c] at least its least
    value, all in whole arithmetic.
    """

    def __init__(
        self, problem: AuditProblem, shown: list[int], floored: list[int], bounded: list[int]
    ) -> None:
        cells = problem.cells
        self.n_atoms = problem.n_atoms
        self.shown = _integer_incidence([cells[i].atoms for i in shown], self.n_atoms)
        self.shown_values = np.array([cells[i].value for i in shown], dtype=np.int64)
        self.shown_ids = [cells[i].id for i in shown]
        self.floored = _integer_incidence([cells[i].atoms for i in floored], self.n_atoms)
        self.floors = np.array([cells[i].at_least for i in floored], dtype=np.int64)
        self.floored_ids = [cells[i].id for i in floored]
        self.bounded = _integer_incidence([cells[i].atoms for i in bounded], self.n_atoms)
        self.low = np.full(len(bounded), np.iinfo(np.int64).max, dtype=np.int64)
        self.high = np.full(len(bounded), np.iinfo(np.int64).min, dtype=np.int64)
        self.points: list[np.ndarray] = []

    def violation(self, point: np.ndarray) -> str:
        """Why ``point`` is not a whole-number solution ("" if it is one)."""
        x = np.asarray(point, dtype=np.float64)
        if x.shape != (self.n_atoms,):
            return f"{x.size} atom values for {self.n_atoms} atoms"
        whole = np.round(x)
        off = np.abs(x - whole)
        if off.max(initial=0.0) > _TOLERANCE:
            return f"atom {int(off.argmax())} is not a whole number ({x[off.argmax()]})"
        counts = whole.astype(np.int64)
        if (counts < 0).any():
            return f"atom {int(np.flatnonzero(counts < 0)[0])} is negative"
        differ = np.flatnonzero(self.shown @ counts != self.shown_values)
        if differ.size:
            return f"published cell {self.shown_ids[differ[0]]} is not at its value"
        short = np.flatnonzero(self.floored @ counts < self.floors)
        if short.size:
            return f"[c] cell {self.floored_ids[short[0]]} is below its least value"
        return ""

    def add(self, point: np.ndarray) -> str:
        """Check ``point`` and keep it if it is a solution: "" if kept, else why not."""
        reason = self.violation(point)
        if reason:
            return reason
        counts = np.round(np.asarray(point, dtype=np.float64)).astype(np.int64)
        values = self.bounded @ counts
        if (values < self.low).any() or (values > self.high).any():
            self.points.append(counts)  # only points that widen what is known are kept
            np.minimum(self.low, values, out=self.low)
            np.maximum(self.high, values, out=self.high)
        return ""

    def seen(self, pos: int) -> tuple[int | None, int | None]:
        if not self.points:
            return None, None
        return int(self.low[pos]), int(self.high[pos])

    def reaches(self, pos: int, goal: _Goal) -> bool:
        low, high = self.seen(pos)
        if goal.up:
            return high is not None and high >= goal.value
        return low is not None and low <= goal.value


def _integer_incidence(atom_lists: Sequence[Sequence[int]], n_atoms: int) -> sp.csr_matrix:
    # Points are checked in whole arithmetic: no tolerance for one to slip through.
    return incidence(atom_lists, n_atoms).astype(np.int64)


def _joint_point(
    a: sp.csr_matrix,
    lower: np.ndarray,
    upper: np.ndarray,
    problem: AuditProblem,
    bounded: list[int],
    linear: dict[int, _Linear],
    goals: dict[int, _Goal],
    start: np.ndarray | None,
    seconds: float,
) -> np.ndarray | None:
    """A whole-number solution meeting as many goals as it can, found within ``seconds``
    starting from ``start``, a known solution (it meets none of the goals, being one of
    the points that left them open); None if none was found. A binary z per goal forces
    its cell to the goal's value when 1: up, cell - value * z >= 0; down, cell +
    (ceiling - value) * z <= ceiling, with the cell's real upper bound as the ceiling (or,
    unbounded, the sum of every published value: a point it cuts off is one fewer to
    choose from, never a wrong one, as the caller checks the point)."""
    n = problem.n_atoms
    positions = list(goals)
    everything = float(lower.sum()) + 1.0
    coefficient, row_lower, row_upper = [], [], []
    for pos in positions:
        goal = goals[pos]
        if goal.up:
            coefficient.append(-float(goal.value))
            row_lower.append(0.0)
            row_upper.append(np.inf)
        else:
            high = linear[pos].high
            ceiling = float(high) if high is not None else everything
            coefficient.append(ceiling - goal.value)
            row_lower.append(-np.inf)
            row_upper.append(ceiling)
    cell_rows = incidence([problem.cells[bounded[pos]].atoms for pos in positions], n)
    matrix = sp.bmat([[a, None], [cell_rows, sp.diags(coefficient)]], format="csr")
    k = len(positions)
    model = highs_model(
        np.concatenate([np.zeros(n), -np.ones(k)]),
        matrix,
        np.concatenate([lower, row_lower]),
        np.concatenate([upper, row_upper]),
        np.zeros(n + k),
        np.concatenate([np.full(n, highspy.kHighsInf), np.ones(k)]),
        np.ones(n + k, dtype=bool),
    )
    model.setOptionValue("time_limit", seconds)
    # Meeting most of what can be met is enough: the next search takes up the rest. The
    # time goes on cuts proving how many could be met, which no one needs: few cuts are
    # kept, and a first search stops after the root node (one given more time does not).
    model.setOptionValue("mip_rel_gap", JOINT_GAP)
    model.setOptionValue("mip_pool_soft_limit", 50)
    if seconds <= JOINT_SECONDS:
        model.setOptionValue("mip_max_leaves", 1)
    if start is not None:
        # A solution to improve on from the first moment: the search starts near it.
        given = highspy.HighsSolution()
        given.col_value = np.concatenate([start, np.zeros(k)]).tolist()
        given.value_valid = True
        model.setSolution(given)
    model.run()
    if model.getInfo().primal_solution_status != 2:
        return None
    return np.asarray(model.getSolution().col_value)[:n]


def _points_by_moves(
    problem: AuditProblem,
    shown: list[int],
    floored: list[int],
    bounded: list[int],
    linear: dict[int, _Linear],
    witnessed: _Witnessed,
    requirements: Sequence[Requirement],
) -> int:
    """Points for open goals, each built from the first known point by moving units
    between atoms of one table: atoms in the same cells of every other table, so that a
    unit moved changes that table's cells alone (``_transfers``). For each goal, the
    least such move (fewest units) with the goal's cell at its value, every published
    cell as it was, every atom non-negative and every [c] at its least value: a cycle
    of hidden cells in one table, or, where a table has none, cycles in several joined
    through shared atoms. Its vertex is mostly whole even where the cell's own bound is
    not (one that is not is rounded, and then mostly refused). Each point is checked
    before it counts; how many were kept is returned."""
    start = witnessed.points[0]
    names = sorted({problem.cells[i].table for i in bounded})
    kept = 0
    # One table at a time first (its moves are the likeliest to be whole), then moves
    # in every table together for the goals left.
    stages = [[name] for name in names] + ([names] if len(names) > 1 else [])
    for stage in stages:
        goals = {
            pos: goal
            for pos, goal in _open_goals(linear, witnessed, requirements).items()
            if problem.cells[bounded[pos]].table in stage
        }
        built = _transfers(problem, stage, shown, floored, bounded, start) if goals else None
        if built is None:
            continue
        model, moves, at_start = built
        first = model.getNumRow() - len(bounded)
        for pos in goals:
            # A point kept for an earlier goal may have met this one, or moved it on.
            goal = _goal(linear[pos], witnessed, pos, requirements[pos])
            if goal is None:
                continue
            row = first + pos
            change = goal.value - float(at_start[pos])
            if goal.up:
                model.changeRowBounds(row, change, highspy.kHighsInf)
            else:
                model.changeRowBounds(row, -highspy.kHighsInf, change)
            model.run()
            if model.getModelStatus() == highspy.HighsModelStatus.kOptimal:
                units = np.asarray(model.getSolution().col_value)
                point = np.round(start + moves @ units)
                if witnessed.add(point) == "" and witnessed.reaches(pos, goal):
                    kept += 1
            model.changeRowBounds(row, -highspy.kHighsInf, highspy.kHighsInf)
    return kept


# Atoms alike outside one table are moved between in pairs; past this many alike, the
# pairs are too many to be worth it (a table with no other, for one).
TRANSFER_GROUP_MOST = 16


def _transfers(
    problem: AuditProblem,
    tables: Sequence[str],
    shown: list[int],
    floored: list[int],
    bounded: list[int],
    start: np.ndarray,
) -> tuple[highspy.Highs, sp.csr_matrix, np.ndarray] | None:
    """The linear programme of moves between atoms alike outside one of ``tables`` (in
    the same cells of every other table): one column per ordered pair of such atoms
    (units moved from the first to the second), costing 1 a unit. Rows: every published
    cell unchanged, every floored cell at its least value, every atom non-negative, then
    one row per bounded cell (in ``bounded``'s order), free until a goal bounds it.
    Returns the model, the atoms' change per unit of each column and the bounded cells'
    values at ``start``; None where no two atoms are alike."""
    n = problem.n_atoms
    cells = problem.cells
    givers: list[int] = []
    takers: list[int] = []
    for table in tables:
        outside = incidence([c.atoms for c in cells if c.table != table], n).tocsc()
        alike: dict[tuple[int, ...], list[int]] = {}
        for k in range(n):
            key = tuple(outside.indices[outside.indptr[k] : outside.indptr[k + 1]])
            alike.setdefault(key, []).append(k)
        for group in alike.values():
            if 1 < len(group) <= TRANSFER_GROUP_MOST:
                for u in group:
                    for w in group:
                        if u != w:
                            givers.append(u)
                            takers.append(w)
    if not givers:
        return None
    m = len(givers)
    columns = np.arange(m)
    moves = (
        sp.csr_matrix((np.ones(m), (takers, columns)), shape=(n, m))
        - sp.csr_matrix((np.ones(m), (givers, columns)), shape=(n, m))
    ).tocsr()
    s = incidence([cells[i].atoms for i in shown], n)
    f = incidence([cells[i].atoms for i in floored], n)
    b = incidence([cells[i].atoms for i in bounded], n)
    matrix = sp.vstack([s @ moves, f @ moves, moves, b @ moves], format="csr")
    floors = np.array([cells[i].at_least for i in floored], dtype=np.float64) - f @ start
    free = np.full(len(bounded), np.inf)
    model = highs_model(
        np.ones(m),
        matrix,
        np.concatenate([np.zeros(len(shown)), floors, -start.astype(np.float64), -free]),
        np.concatenate([np.zeros(len(shown)), np.full(len(floored) + n, np.inf), free]),
        np.zeros(m),
        np.full(m, highspy.kHighsInf),
    )
    model.setOptionValue("presolve", "off")
    return model, moves, b @ start


def _bound_by_mip(
    model: highspy.Highs, cell: AuditCell, goal: _Goal, witnessed: _Witnessed
) -> int | None:
    """Seek the cell's whole-number bound in the goal's direction, stopping as soon as a
    point reaches an upper goal. Each point found is checked and kept; the bound is
    returned only if it is proven (None: the points found are all that is known)."""
    n = witnessed.n_atoms
    cost = np.zeros(n)
    cost[list(cell.atoms)] = 1.0
    sense = highspy.ObjSense.kMaximize if goal.up else highspy.ObjSense.kMinimize
    model.changeObjectiveSense(sense)
    model.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
    model.setOptionValue("objective_target", float(goal.value) if goal.up else -math.inf)
    model.run()
    checked = model.getInfo().primal_solution_status == 2 and (
        witnessed.add(np.asarray(model.getSolution().col_value)) == ""
    )
    # The bound is the optimum's value only if its point is checked as a solution.
    if checked and model.getModelStatus() == highspy.HighsModelStatus.kOptimal:
        value = model.getInfo().objective_function_value
        return math.floor(value + _TOLERANCE) if goal.up else math.ceil(value - _TOLERANCE)
    return None


def _fractional(vertex: np.ndarray) -> bool:
    return bool(np.abs(vertex - np.round(vertex)).max(initial=0.0) > _TOLERANCE)


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
