"""Primary and secondary suppression of cells over linked tables.

Primary suppression picks the cells whose counts fall in the sensitive range. Secondary
suppression picks the fewest further cells (or the least total count) so that no primary
cell can be narrowed by an attacker, solved exactly as a mixed-integer programme with
HiGHS in the style of Fischetti and Salazar: a binary per cell (suppressed or not) and,
for each primary cell and direction, a vector of atom deviations that moves the primary
cell by its protection width while every published cell stays fixed and every atom stays
non-negative. Primaries enter the programme lazily: solve with some, audit the pattern,
add the ones still exposed, and solve again. The final pattern passes the audit for every
primary and is optimal, because each solve is a relaxation of the full programme.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.metadata import version
from typing import Any, Literal

import highspy
import numpy as np
import scipy.sparse as sp

from foidesk.stats.audit import LinkedCells, Requirement, audit, highs_model

Objective = Literal["count", "value"]

# Blocks (primary cell x direction) put into the first solve; later solves add exposed ones.
_FIRST_BLOCKS = 24
# How far a suppressed cell may move, as a multiple of the protection a block needs. In a
# two-way table a move of exactly the protection around a cycle of cells always exists
# when any move does; twice that leaves room for linked tables, and the limit keeps the
# programme's relaxation tight. A solve the limit makes infeasible is repeated without it.
MOVE_FACTOR = 2.0


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
    blocks: int = 0
    mip_gap: float | None = None
    seconds: float = 0.0
    unprotectable: list[str] = field(default_factory=list)

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
            "blocks": self.blocks,
            "mip_gap": self.mip_gap,
            "seconds": round(self.seconds, 4),
            "unprotectable": self.unprotectable,
        }


def secondary_suppression(
    cells: LinkedCells,
    primaries: Iterable[str],
    requirements: dict[str, Requirement],
    *,
    objective: Objective = "count",
    time_limit: float = 60.0,
) -> SuppressionResult:
    """Choose complementary cells so that every primary cell meets its requirement.

    Cells of earlier disclosures are fixed as they were published. ``objective`` is
    ``"count"`` (fewest extra cells, ties broken by least total value) or ``"value"``
    (least total value, ties broken by fewest cells). Groups of cells with no additive
    link to each other (other counting units, unrelated populations) are solved apart.
    """
    started = time.perf_counter()
    primary = list(dict.fromkeys(primaries))
    wanted = set(primary)
    parts = []
    for component in cells.components():
        sub = cells.subset(component)
        sub_primary = [c.id for c in sub.cells if c.id in wanted]
        if sub_primary:
            remaining = max(time_limit - (time.perf_counter() - started), 1.0)
            parts.append(_protect_component(sub, sub_primary, requirements, objective, remaining))
    statuses = [p.status for p in parts]
    gaps = [p.mip_gap for p in parts if p.mip_gap is not None]
    return SuppressionResult(
        primary=primary,
        secondary=[s for p in parts for s in p.secondary],
        status=next((s for s in statuses if s != "optimal"), "optimal"),
        objective=float(sum(p.objective for p in parts)),
        objective_kind=objective,
        solves=sum(p.solves for p in parts),
        blocks=sum(p.blocks for p in parts),
        mip_gap=max(gaps) if gaps else None,
        seconds=time.perf_counter() - started,
        unprotectable=[u for p in parts for u in p.unprotectable],
    )


def _protect_component(
    cells: LinkedCells,
    primary: list[str],
    requirements: dict[str, Requirement],
    objective: Objective,
    time_limit: float,
) -> SuppressionResult:
    started = time.perf_counter()
    index = cells.index()
    values = cells.values()
    n_cells = len(cells.cells)
    fixed_shown = np.array([c.earlier and c.published for c in cells.cells])
    fixed_hidden = np.zeros(n_cells, dtype=bool)
    fixed_hidden[[index[p] for p in primary]] = True
    fixed_hidden |= np.array([not c.published for c in cells.cells])
    weights = _weights(values, objective)

    def pattern_of(x: np.ndarray) -> list[str]:
        return [cells.cells[j].id for j in np.flatnonzero(x) if not fixed_hidden[j]]

    def exposed_blocks(hidden: np.ndarray) -> list[tuple[int, int]]:
        ids = [c.id for c, h in zip(cells.cells, hidden, strict=True) if h]
        result = audit(cells.audit_problem(ids, requirements))
        blocks = []
        for interval in result.intervals:
            req = requirements.get(interval.cell)
            if req is None:
                continue
            j = index[interval.cell]
            if req.upper_at_least is not None and (
                interval.high is not None and interval.high < req.upper_at_least
            ):
                blocks.append((j, +1))
            if req.lower_at_most is not None and interval.low > req.lower_at_most:
                blocks.append((j, -1))
        return blocks

    # Suppressing every cell that may be suppressed is the most protection possible: a
    # primary still exposed then can only be protected by withholding earlier tables.
    everything = ~fixed_shown
    unprotectable = sorted({cells.cells[j].id for j, _ in exposed_blocks(everything)})
    if unprotectable:
        return SuppressionResult(
            primary,
            [],
            "infeasible",
            float("nan"),
            objective,
            0,
            0,
            None,
            time.perf_counter() - started,
            unprotectable,
        )

    hidden = fixed_hidden.copy()
    pending = exposed_blocks(hidden)
    blocks: list[tuple[int, int]] = []
    solves = 0
    status, gap = "optimal", None
    while pending:
        # Smallest primaries first: they need the widest moves, and protecting them often
        # protects their neighbours too, so later solves rarely need every block.
        pending.sort(key=lambda block: (values[block[0]], block[0], block[1]))
        blocks.extend(pending if blocks else pending[:_FIRST_BLOCKS])
        remaining = time_limit - (time.perf_counter() - started)
        x, status, gap = _solve(
            cells,
            blocks,
            requirements,
            weights,
            fixed_shown,
            fixed_hidden,
            max(remaining, 1.0),
            MOVE_FACTOR,
        )
        if x is None and status == "infeasible":
            # The move limit can only be too tight in linked tables where one move shifts
            # a cell by more than the protection itself: solve again without it.
            x, status, gap = _solve(
                cells,
                blocks,
                requirements,
                weights,
                fixed_shown,
                fixed_hidden,
                max(time_limit - (time.perf_counter() - started), 1.0),
                None,
            )
        solves += 1
        if x is None:
            break
        hidden = x
        pending = [b for b in exposed_blocks(hidden) if b not in blocks]
        if status != "optimal":
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
        blocks=len(blocks),
        mip_gap=gap,
        seconds=time.perf_counter() - started,
    )


def _weights(values: np.ndarray, objective: Objective) -> np.ndarray:
    # The tie-break terms sum to less than one, so they never outweigh the main term.
    if objective == "count":
        return 1.0 + values / (values.sum() + 1.0)
    if objective == "value":
        return values + 1.0 / (len(values) + 1.0)
    raise ValueError(f"objective must be 'count' or 'value', not {objective!r}")


def _solve(
    cells: LinkedCells,
    blocks: list[tuple[int, int]],
    requirements: dict[str, Requirement],
    weights: np.ndarray,
    fixed_shown: np.ndarray,
    fixed_hidden: np.ndarray,
    time_limit: float,
    move_factor: float | None,
) -> tuple[np.ndarray | None, str, float | None]:
    """One mixed-integer solve over the given (primary, direction) blocks.

    With ``move_factor`` set, a suppressed cell may move by at most that many times the
    protection its block needs; with None, by as much as every atom together (no limit
    in effect).
    """
    a = cells.incidence()
    n_cells, n_atoms = a.shape
    truth = cells.atom_values.astype(np.float64)
    total_moves = float(truth.sum()) + max(
        max((r.upper_at_least or 0) for r in requirements.values()), 1
    )
    free = ~(fixed_shown | fixed_hidden)
    free_idx = np.flatnonzero(free)
    shown_idx = np.flatnonzero(fixed_shown)
    a_free = a[free_idx]
    a_shown = a[shown_idx]
    n_free = len(free_idx)
    select = sp.csr_matrix(
        (np.ones(n_free), (np.arange(n_free), free_idx)), shape=(n_free, n_cells)
    )

    n_blocks = len(blocks)
    inf = np.full(n_free, np.inf)
    zeros_shown = np.zeros(len(shown_idx))
    parts: list[sp.spmatrix] = []
    row_lo: list[np.ndarray] = []
    row_hi: list[np.ndarray] = []
    for b, (j, direction) in enumerate(blocks):
        req = requirements[cells.cells[j].id]
        value = cells.cells[j].value
        need = float(req.upper_at_least - value if direction > 0 else value - req.lower_at_most)
        target_lo, target_hi = (need, np.inf) if direction > 0 else (-np.inf, -need)
        # A published cell may not move; a suppressed one may move, by at most move_limit.
        limit = need * move_factor if move_factor is not None else total_moves
        x_part = sp.vstack(
            [-limit * select, limit * select, sp.csr_matrix((len(shown_idx) + 1, n_cells))],
            format="csr",
        )
        y_part = sp.vstack([a_free, a_free, a_shown, a[j]], format="csr")
        height = y_part.shape[0]
        parts.append(
            sp.hstack(
                [
                    x_part,
                    sp.csr_matrix((height, b * n_atoms)),
                    y_part,
                    sp.csr_matrix((height, (n_blocks - b - 1) * n_atoms)),
                ],
                format="csr",
            )
        )
        row_lo.append(np.concatenate([-inf, np.zeros(n_free), zeros_shown, [target_lo]]))
        row_hi.append(np.concatenate([np.zeros(n_free), inf, zeros_shown, [target_hi]]))

    matrix = sp.vstack(parts, format="csc")
    n_cols = n_cells + n_blocks * n_atoms
    cost = np.concatenate([weights * (~fixed_hidden), np.zeros(n_blocks * n_atoms)])
    col_lo = np.concatenate([fixed_hidden.astype(float), np.tile(-truth, n_blocks)])
    col_hi = np.concatenate([(~fixed_shown).astype(float), np.full(n_blocks * n_atoms, np.inf)])
    integer = np.zeros(n_cols, dtype=bool)
    integer[:n_cells] = True
    highs = highs_model(
        cost, matrix, np.concatenate(row_lo), np.concatenate(row_hi), col_lo, col_hi, integer
    )
    highs.setOptionValue("time_limit", float(time_limit))
    highs.setOptionValue("mip_rel_gap", 0.0)
    highs.run()
    model_status = highs.getModelStatus()
    status = highs.modelStatusToString(model_status).lower()
    info = highs.getInfo()
    if model_status == highspy.HighsModelStatus.kOptimal:
        status = "optimal"
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    if not has_solution:
        return None, status, None
    x = np.asarray(highs.getSolution().col_value[:n_cells]) > 0.5
    return x, status, float(info.mip_gap)
