"""Primary and secondary suppression of cells over linked tables.

Primary suppression picks the cells whose counts fall in the sensitive range. Secondary
suppression picks the further cells of least total value (or the fewest) so that no
primary cell can be narrowed by an attacker, hiding a total only when no pattern of
interior cells protects. It is solved exactly, in the style of Fischetti and Salazar, as
a mixed-integer programme with HiGHS: a binary per cell (suppressed or not) and, for each
primary cell and direction, the condition that some change to the atoms, invisible in
every published cell, keeping every atom non-negative and every suppressed cell at least
what the Notes say a [c] is (1 when zeros are never hidden), moves the primary cell by its
protection width. That condition is imposed through its linear-programming dual as
capacity cuts (Benders decomposition): choose a pattern, find for every primary the cut it
violates, add the cuts, choose again. Every cut holds for every protecting pattern, so
each choice is a relaxation of the full programme. The first choice that violates no cut
is then audited against the whole-number attacker; in the rare linked tables where whole
numbers narrow a small count further, the search asks for one more unit of room for it
and goes on (a few times at most: the audit of the result has the last word).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from importlib.metadata import version
from typing import Any, Literal

import highspy
import numpy as np
import scipy.sparse as sp

from foidesk.stats.audit import LinkedCells, Requirement, audit, highs_model
from foidesk.stats.table import TOTAL

Objective = Literal["count", "value"]

# How far a suppressed cell may move, as a multiple of the widest protection needed. In a
# two-way table a move of exactly the protection around a cycle of cells always exists
# when any move does; twice that leaves room for linked tables, and the limit keeps the
# cuts strong. If the limit leaves no feasible pattern, the search is repeated without it.
MOVE_FACTOR = 2.0
# How many times the search may widen the room it asks for a small count that whole
# numbers narrow further than real ones; the audit of the result decides in the end.
WHOLE_NUMBER_ROUNDS = 3
# Rounds of cuts on the linear relaxation before the first whole-pattern solve.
LP_ROUNDS = 30
# The share of the time left that one mixed-integer solve of the master may use.
MIP_SHARE = 0.25


def primary_cells(cells: LinkedCells, low: int, high: int) -> list[str]:
    """Ids of the cells whose value is in the sensitive range ``low..high``.

    Cells of earlier disclosures are primary only if they were suppressed there: the
    others are already public.
    """
    return [
        c.id for c in cells.cells if low <= c.value <= high and (not c.earlier or not c.published)
    ]


@dataclass
class SuppressionResult:
    """The suppression pattern and how the solver found it."""

    primary: list[str]
    secondary: list[str]
    status: str
    objective: float
    objective_kind: str
    solves: int = 0
    cuts: int = 0
    mip_gap: float | None = None
    seconds: float = 0.0
    unprotectable: list[str] = field(default_factory=list)
    # Whole-number solutions of the attacker's problem for this pattern that the last
    # whole-number check found (atom counts over every atom, so never written out): the
    # final audit starts from them rather than finding them again.
    points: list[np.ndarray] = field(default_factory=list, repr=False, compare=False)

    @property
    def suppressed(self) -> list[str]:
        return self.primary + self.secondary

    def to_json(self) -> dict[str, Any]:
        return {
            "solver": f"HiGHS {version('highspy')}",
            "status": self.status,
            "objective": self.objective_kind,
            "objective_value": self.objective,
            "solves": self.solves,
            "cuts": self.cuts,
            "mip_gap": self.mip_gap,
            "seconds": round(self.seconds, 4),
            "unprotectable": self.unprotectable,
        }


def secondary_suppression(
    cells: LinkedCells,
    primaries: Iterable[str],
    requirements: dict[str, Requirement],
    *,
    objective: Objective = "value",
    hidden_at_least: int = 1,
    time_limit: float = 60.0,
) -> SuppressionResult:
    """Choose complementary cells so that every primary cell meets its requirement.

    Cells of earlier disclosures are fixed as they were published. ``objective`` is
    ``"value"`` (least total value, ties broken by fewest cells) or ``"count"`` (fewest
    extra cells, ties broken by least total value); either way a total is hidden only
    when no pattern of interior cells protects. ``hidden_at_least`` is the least value the
    attacker knows a [c] has: 1 when zeros are never hidden (then no zero is chosen), 0
    when they may be. Groups of cells with no additive link to each other (other counting
    units, unrelated populations) are solved apart.
    """
    started = time.perf_counter()
    primary = list(dict.fromkeys(primaries))
    wanted = set(primary)
    parts = []
    points = []
    for component in cells.components():
        sub = cells.subset(component)
        sub_primary = [c.id for c in sub.cells if c.id in wanted]
        if sub_primary:
            remaining = max(time_limit - (time.perf_counter() - started), 1.0)
            part = _protect_component(
                sub, sub_primary, requirements, objective, hidden_at_least, remaining
            )
            parts.append(part)
            # The component's points, with every other atom at its true count: components
            # share no atom, so each is a solution of the whole problem too.
            used = sorted({k for i in component for k in cells.cells[i].atoms})
            for point in part.points:
                whole = cells.atom_values.copy()
                whole[used] = point
                points.append(whole)
    statuses = [p.status for p in parts]
    gaps = [p.mip_gap for p in parts if p.mip_gap is not None]
    return SuppressionResult(
        primary=primary,
        secondary=[s for p in parts for s in p.secondary],
        status=next((s for s in statuses if s != "optimal"), "optimal"),
        objective=float(sum(p.objective for p in parts)),
        objective_kind=objective,
        solves=sum(p.solves for p in parts),
        cuts=sum(p.cuts for p in parts),
        mip_gap=max(gaps) if gaps else None,
        seconds=time.perf_counter() - started,
        unprotectable=[u for p in parts for u in p.unprotectable],
        points=points,
    )


def _protect_component(
    cells: LinkedCells,
    primary: list[str],
    requirements: dict[str, Requirement],
    objective: Objective,
    hidden_at_least: int,
    time_limit: float,
) -> SuppressionResult:
    started = time.perf_counter()
    index = cells.index()
    values = cells.values()
    n_cells = len(cells.cells)
    fixed_shown = np.array([c.earlier and c.published for c in cells.cells])
    # A zero shown as [c] would break the Notes' word that every [c] is at least 1.
    fixed_shown |= values < hidden_at_least
    fixed_hidden = np.zeros(n_cells, dtype=bool)
    fixed_hidden[[index[p] for p in primary]] = True
    fixed_hidden |= np.array([not c.published for c in cells.cells])
    fixed_shown &= ~fixed_hidden
    # How far each hidden cell may move down before the attacker would rule it out.
    floors = np.minimum(values, hidden_at_least)
    totals = np.array([TOTAL in c.labels for c in cells.cells])
    weights = _weights(values, objective, totals)

    def pattern_of(x: np.ndarray) -> list[str]:
        return [cells.cells[j].id for j in np.flatnonzero(x) if not fixed_hidden[j]]

    # An earlier disclosure's [c] cells protect nothing of this one: they may be exact.
    judged = {
        **{c.id: Requirement(may_be_exact=True) for c in cells.cells if not c.published},
        **requirements,
    }

    def problem_for(hidden_ids: list[str]) -> Any:
        return cells.audit_problem(hidden_ids, judged, hidden_at_least)

    # Suppressing every cell that may be suppressed is the most protection possible: a
    # primary still exposed then can only be protected by withholding earlier tables. (The
    # real-valued attacker is enough to tell: the rare cell only whole numbers expose with
    # everything hidden leaves the search below without a pattern.)
    everything = [c.id for c, shown in zip(cells.cells, fixed_shown, strict=True) if not shown]
    most = audit(problem_for(everything), whole_numbers=False, only=set(primary))
    unprotectable = sorted(i.cell for i in most.intervals if i.exposed)
    if unprotectable:
        return SuppressionResult(
            primary,
            [],
            "infeasible",
            float("nan"),
            objective,
            seconds=time.perf_counter() - started,
            unprotectable=unprotectable,
        )

    status, gap, solves, cuts_made = "optimal", None, 0, 0
    hidden = fixed_hidden.copy()

    def time_left() -> float:
        return time_limit - (time.perf_counter() - started)

    # The move limit can only be too tight in linked tables where one move shifts a cell
    # by more than the protection itself: if it leaves nothing feasible, drop it.
    for factor in (MOVE_FACTOR, None):
        points: list[np.ndarray] = []  # whole-number solutions for the pattern last checked
        wanted = dict(requirements)
        master = _Master(weights, fixed_shown, fixed_hidden)
        hidden = fixed_hidden.copy()
        for _ in range(WHOLE_NUMBER_ROUNDS + 1):
            blocks = [
                (index[p], d)
                for p in primary
                for d in (+1, -1)
                if _need(cells.cells[index[p]].value, wanted[p], d) > 0
            ]
            separation = _Separation(cells, blocks, wanted, fixed_shown, floors, factor)
            search = _search(master, separation, hidden, time_left)
            hidden, status, gap = search.hidden, search.status, search.gap
            points = []
            solves, cuts_made = solves + search.solves, cuts_made + search.cuts
            if status in ("infeasible", "unprotected"):
                break
            # Protected against the real-valued attacker: now the whole-number one. Where
            # whole numbers narrow a small count further (only in linked tables that are
            # not simply two-way), ask the real-valued search for one more unit of room.
            # Cuts made for the smaller need stay valid for the larger one. The true counts
            # are a whole-number solution whatever the pattern: with them, and the points
            # the audit finds that meet many bounds at once, few bounds need a programme.
            checked = audit(
                problem_for(pattern_of(hidden) + primary),
                only=set(primary),
                points=[cells.atom_values],
            )
            points = checked.points
            short = [i.cell for i in checked.exposed]
            if not short:
                break
            for cell in short:
                bound = wanted[cell]
                wanted[cell] = replace(
                    bound,
                    upper_at_least=None
                    if bound.upper_at_least is None
                    else bound.upper_at_least + 1,
                    lower_at_most=None
                    if bound.lower_at_most is None
                    else max(bound.lower_at_most - 1, 0),
                )
        if status not in ("infeasible", "unprotected"):
            break
    secondary = pattern_of(hidden)
    chosen = [index[s] for s in secondary]
    objective_value = len(chosen) if objective == "count" else int(values[chosen].sum())
    return SuppressionResult(
        primary=primary,
        secondary=secondary,
        status=status,
        objective=float(objective_value),
        objective_kind=objective,
        solves=solves,
        cuts=cuts_made,
        mip_gap=gap,
        seconds=time.perf_counter() - started,
        points=points,
    )


@dataclass
class _Search:
    hidden: np.ndarray
    status: str
    gap: float | None
    solves: int
    cuts: int


def _search(
    master: _Master,
    separation: _Separation,
    start: np.ndarray,
    time_left: Callable[[], float],
) -> _Search:
    """The cheapest pattern the cuts allow, cutting until it violates none.

    First the linear relaxation is cut (cheap solves, and its cuts are valid for whole
    patterns), then the mixed-integer master. A solve that runs out of its share of the
    time gives its best pattern (or, with none, the last one completed greedily to meet
    every cut so far), which is cut like any other; once the time is spent, greedy
    completion alone finishes the search. (Handing HiGHS the completed pattern as a
    start made it stop at a dearer pattern it called optimal, so it is not handed over.)
    Either way the result violates no cut (unless nothing can protect a cell within the
    move limit: "unprotected"); "optimal" only if every solve was proven optimal.
    """
    solves = cuts_made = 0
    proven = True
    gap: float | None = None
    fraction = start.astype(np.float64)
    for _ in range(LP_ROUNDS):
        cuts = separation.cuts(fraction)
        if not cuts:
            break
        master.add(cuts)
        cuts_made += len(cuts)
        relaxed = master.relaxation()
        solves += 1
        if relaxed is None:
            return _Search(start, "infeasible", None, solves, cuts_made)
        fraction = relaxed
    hidden = start.copy()
    cuts = separation.cuts(hidden)
    while cuts:
        master.add(cuts)
        cuts_made += len(cuts)
        completed = master.complete(hidden)
        if completed is None:
            return _Search(hidden, "unprotected", gap, solves, cuts_made)
        left = time_left()
        if left > 1.0:
            # A share of the time left, so that later solves (with more cuts) get some.
            x, status, gap = master.solve(max(left * MIP_SHARE, 1.0))
            solves += 1
            if x is None and status == "infeasible":
                return _Search(hidden, "infeasible", gap, solves, cuts_made)
            proven &= status == "optimal"
            hidden = x if x is not None else completed
        else:
            proven = False
            hidden = completed
        cuts = separation.cuts(hidden)
    return _Search(hidden, "optimal" if proven else "time limit", gap, solves, cuts_made)


def _need(value: int, requirement: Requirement, direction: int) -> float:
    """How far a primary cell must be able to move in ``direction`` (0: no need)."""
    if direction > 0:
        if requirement.upper_at_least is None:
            return 0.0
        return float(max(requirement.upper_at_least - value, 0))
    if requirement.lower_at_most is None:
        return 0.0
    return float(max(value - requirement.lower_at_most, 0))


_NO_DUAL = (
    highspy.HighsModelStatus.kInfeasible,
    highspy.HighsModelStatus.kUnboundedOrInfeasible,
)


class _Separation:
    """Finds, for a suppression pattern, the capacity cuts of every unprotected block.

    For one primary cell and direction, the most an attacker-indistinguishable change can
    move the cell is a linear programme over atom deviations, in which a hidden cell j may
    rise by up to cap and fall by up to down_j (its value less what the attacker knows it
    is at least). Its dual, solved here, bounds that move by
    sum_j (cap * alpha_j + down_j * beta_j) * x_j + sum_k t_k * gamma_k. If the bound
    falls short of the protection needed, the same dual gives the cut
    sum_j (cap * alpha_j + down_j * beta_j) * x_j >= need - sum_k t_k * gamma_k, which
    every protecting pattern satisfies and the current one does not.
    """

    def __init__(
        self,
        cells: LinkedCells,
        blocks: list[tuple[int, int]],
        requirements: dict[str, Requirement],
        fixed_shown: np.ndarray,
        floors: np.ndarray,
        factor: float | None,
    ) -> None:
        a = cells.incidence()
        self.cells, self.blocks, self.requirements = cells, blocks, requirements
        self.n_cells, self.n_atoms = a.shape
        self.truth = cells.atom_values.astype(np.float64)
        self.movable = np.flatnonzero(~fixed_shown)
        self.fixed = np.flatnonzero(fixed_shown)
        # One capacity for every block, so that between blocks only the right-hand side
        # changes and dual simplex can restart from the last basis.
        needs = [_need(cells.cells[j].value, requirements[cells.cells[j].id], d) for j, d in blocks]
        most = max(needs, default=1.0)
        self.cap = most * factor if factor is not None else float(self.truth.sum()) + most
        # A hidden cell may move down only to what the attacker knows it is at least.
        room = (cells.values() - floors).astype(np.float64)
        self.down_cap = np.minimum(self.cap, np.maximum(room, 0.0))[self.movable]
        self.rows = [a[j].toarray().ravel() for j, _ in blocks]
        mov = a[self.movable].T
        matrix = sp.hstack([mov, -mov, a[self.fixed].T, -sp.identity(self.n_atoms)], format="csc")
        n_mov, n_fix = len(self.movable), len(self.fixed)
        self.n_cols = 2 * n_mov + n_fix + self.n_atoms
        lower = np.concatenate(
            [np.zeros(2 * n_mov), np.full(n_fix, -np.inf), np.zeros(self.n_atoms)]
        )
        upper = np.full(self.n_cols, np.inf)
        zeros = np.zeros(self.n_atoms)
        self.highs = highs_model(np.zeros(self.n_cols), matrix, zeros, zeros, lower, upper)
        self.highs.setOptionValue("presolve", "off")
        self.highs.setOptionValue("simplex_strategy", 1)
        self.protected_at: dict[int, np.ndarray] = {}

    def cuts(self, hidden: np.ndarray) -> list[tuple[np.ndarray, float]]:
        """The cut of every block ``hidden`` (0/1, or fractional) leaves unprotected."""
        found = []
        n_mov = len(self.movable)
        columns = np.arange(self.n_cols, dtype=np.int32)
        rows = np.arange(self.n_atoms, dtype=np.int32)
        # A pattern may be fractional (the master's relaxation): cells half hidden.
        x = hidden.astype(np.float64)
        is_open = x[self.movable]
        up_cost, down_cost = self.cap * is_open, self.down_cap * is_open
        cost = np.concatenate([up_cost, down_cost, np.zeros(len(self.fixed)), self.truth])
        self.highs.changeColsCost(self.n_cols, columns, cost)
        for b, (j, direction) in enumerate(self.blocks):
            earlier = self.protected_at.get(b)
            if earlier is not None and (x >= earlier - 1e-9).all():
                continue  # protected by a pattern this one contains
            cell = self.cells.cells[j]
            need = _need(cell.value, self.requirements[cell.id], direction)
            target = direction * self.rows[b]
            self.highs.changeRowsBounds(self.n_atoms, rows, target, target)
            self.highs.run()
            model_status = self.highs.getModelStatus()
            if model_status in _NO_DUAL:
                # No dual solution: the attacker's move is unbounded, so this is protected.
                self.protected_at[b] = x.copy()
                continue
            if model_status != highspy.HighsModelStatus.kOptimal:
                continue  # no cut to be had; the audit of the final pattern still checks it
            bound = self.highs.getInfo().objective_function_value
            if bound >= need - 1e-6:
                self.protected_at[b] = x.copy()
                continue
            dual = np.asarray(self.highs.getSolution().col_value)
            coefficient = np.zeros(self.n_cells)
            coefficient[self.movable] = (
                self.cap * dual[:n_mov] + self.down_cap * dual[n_mov : 2 * n_mov]
            )
            rhs = need - float(self.truth @ dual[-self.n_atoms :])
            # A binary needs no coefficient above the right-hand side (still valid, tighter).
            coefficient = np.minimum(np.where(coefficient > 1e-9, coefficient, 0.0), rhs)
            found.append((coefficient, rhs))
        return found


class _Master:
    """The suppression choice: fewest (or least valued) cells meeting every cut so far."""

    def __init__(self, weights: np.ndarray, fixed_shown: np.ndarray, fixed_hidden: np.ndarray):
        self.weights = weights * (~fixed_hidden)
        self.lower = fixed_hidden.astype(np.float64)
        self.upper = (~fixed_shown).astype(np.float64)
        self.cuts: list[tuple[np.ndarray, float]] = []

    def add(self, cuts: list[tuple[np.ndarray, float]]) -> None:
        self.cuts.extend(cuts)

    def _model(self, whole: bool) -> highspy.Highs:
        matrix = sp.csr_matrix(np.vstack([c for c, _ in self.cuts]))
        rhs = np.array([r for _, r in self.cuts])
        n = len(self.weights)
        return highs_model(
            self.weights,
            matrix,
            rhs,
            np.full(len(rhs), np.inf),
            self.lower,
            self.upper,
            np.ones(n, dtype=bool) if whole else None,
        )

    def relaxation(self) -> np.ndarray | None:
        """The cheapest fractional pattern meeting every cut (None: none does)."""
        highs = self._model(whole=False)
        highs.run()
        if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        return np.clip(np.asarray(highs.getSolution().col_value), 0.0, 1.0)

    def complete(self, hidden: np.ndarray) -> np.ndarray | None:
        """``hidden`` with cells added, cheapest per unit of cut first, until every cut
        holds, then any added cell no cut needs dropped (None: no cells can do it)."""
        x = hidden.copy()
        open_ = self.upper > 0.5
        added: list[int] = []
        for coefficient, rhs in self.cuts:
            short = rhs - float(coefficient @ x) - 1e-9
            if short <= 0:
                continue
            candidates = np.flatnonzero((coefficient > 1e-9) & ~x & open_)
            order = candidates[np.argsort(self.weights[candidates] / coefficient[candidates])]
            for j in order:
                x[j] = True
                added.append(int(j))
                short -= coefficient[j]
                if short <= 0:
                    break
            if short > 0:
                return None
        if added:
            matrix = np.vstack([c for c, _ in self.cuts])
            rhs = np.array([r for _, r in self.cuts])
            slack = matrix @ x - rhs
            for j in sorted(added, key=lambda k: -self.weights[k]):
                if (slack - matrix[:, j] >= -1e-9).all():
                    x[j] = False
                    slack -= matrix[:, j]
        return x

    def solve(self, time_limit: float) -> tuple[np.ndarray | None, str, float | None]:
        highs = self._model(whole=True)
        highs.setOptionValue("time_limit", float(time_limit))
        highs.setOptionValue("mip_rel_gap", 0.0)
        highs.run()
        model_status = highs.getModelStatus()
        info = highs.getInfo()
        status = (
            "optimal"
            if model_status == highspy.HighsModelStatus.kOptimal
            else highs.modelStatusToString(model_status).lower()
        )
        if info.primal_solution_status != 2:  # no feasible solution
            return None, status, None
        return np.asarray(highs.getSolution().col_value) > 0.5, status, float(info.mip_gap)


def _weights(values: np.ndarray, objective: Objective, totals: np.ndarray) -> np.ndarray:
    # The tie-break terms sum to less than one, so they never outweigh the main term.
    if objective == "count":
        weights = 1.0 + values / (values.sum() + 1.0)
    elif objective == "value":
        weights = values + 1.0 / (len(values) + 1.0)
    else:
        raise ValueError(f"objective must be 'count' or 'value', not {objective!r}")
    # A total costs more than every interior cell together, so one is hidden only when
    # no pattern of interior cells protects.
    return weights + totals * (weights[~totals].sum() + 1.0)
