"""The whole-number audit where tables are not simply two-way, and the points it trusts.

Where a linear bound's optimal vertex is not whole, the audit settles the verdict with
whole-number solutions of the attacker's problem (*points*): the true counts, which the
caller knows, and points found by one programme meeting many cells' goals at once. A
point is trusted only once it is checked: whole, non-negative, every published cell at
its value, every [c] at least 1. The bounds exact solvers give (scipy's own interface to
a mixed-integer solver, bound by bound) are the reference.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from foidesk.stats.audit import AuditProblem, LinkedCells, audit
from foidesk.stats.disclosure import DisclosureOutcome, DisclosurePolicy, protect

from .small_tables import linked, same_rows, two_way

ONE_SMALL = [[2, 10, 20], [15, 30, 25], [12, 18, 40]]
POLICY = DisclosurePolicy()


def exact_interval(problem: AuditProblem, cell_id: str) -> tuple[int, int]:
    """The attacker's whole-number interval for one cell, each bound solved to the end."""
    n = problem.n_atoms

    def row(atoms: tuple[int, ...]) -> np.ndarray:
        out = np.zeros(n)
        out[list(atoms)] = 1.0
        return out

    shown = [c for c in problem.cells if not c.suppressed]
    hidden = [c for c in problem.cells if c.suppressed]
    constraints = [
        LinearConstraint(
            sp.csr_matrix([row(c.atoms) for c in shown]), *([[c.value for c in shown]] * 2)
        ),
        LinearConstraint(
            sp.csr_matrix([row(c.atoms) for c in hidden]), [c.at_least for c in hidden], np.inf
        ),
    ]
    (cell,) = [c for c in problem.cells if c.id == cell_id]
    bounds = []
    for sign in (1.0, -1.0):
        found = milp(
            sign * row(cell.atoms),
            constraints=constraints,
            integrality=np.ones(n),
            bounds=Bounds(0, np.inf),
        )
        assert found.status == 0, found.message
        bounds.append(round(sign * found.fun))
    return bounds[0], bounds[1]


@pytest.fixture(scope="module")
def three_linked() -> LinkedCells:
    # Ten rows, three different splits of the same 300 records into four, five and six.
    rng = np.random.default_rng(14)
    rows = rng.choice(10, size=300, p=rng.dirichlet(np.full(10, 2.0)))
    splits = [rng.choice(k, size=300, p=rng.dirichlet(np.full(k, 0.8))) for k in (4, 5, 6)]
    return same_rows(np.stack([rows, *splits], axis=1))


@pytest.fixture(scope="module")
def protected(three_linked: LinkedCells) -> DisclosureOutcome:
    return protect(three_linked, POLICY)


def test_a_point_that_is_not_a_whole_solution_is_refused() -> None:
    # r1/c1 (2) and r1/c2 (10) hidden alone: each is its column total less the shown
    # cells, so both are exact. A "point" raising r1/c1 to 5 at r1/c2's expense keeps the
    # row total but not the column totals; trusted, it would pass the small count.
    cells = linked(ONE_SMALL, two_way(ONE_SMALL))
    small = {"A|r1|c1": POLICY.requirement()}
    problem = cells.audit_problem(["A|r1|c1", "A|r1|c2"], small, hidden_at_least=1)
    truth = cells.atom_values
    alone = audit(problem)
    assert [(i.cell, i.low, i.high) for i in alone.exposed] == [
        ("A|r1|c1", 2, 2),
        ("A|r1|c2", 10, 10),
    ]
    with_truth = audit(problem, points=[truth])
    assert [(i.low, i.high, i.exposed) for i in with_truth.intervals] == [
        (i.low, i.high, i.exposed) for i in alone.intervals
    ]

    moved = truth.copy()
    moved[0] += 3  # r1/c1: 2 -> 5
    moved[1] -= 3  # r1/c2: 10 -> 7
    with pytest.raises(ValueError, match=r"published cell A\|r2\|c1|published cell A\|Total\|c1"):
        audit(problem, points=[moved])
    halves = truth.astype(np.float64)
    halves[0] += 0.5
    halves[1] -= 0.5
    with pytest.raises(ValueError, match="atom 0 is not a whole number"):
        audit(problem, points=[halves])
    negative = truth.copy()
    negative[4] = -1
    with pytest.raises(ValueError, match="atom 4 is negative"):
        audit(problem, points=[negative])
    assert not audit(problem).passed  # refusing the points left the verdict as it was

    # Hidden as a rectangle, r1/c1 can move down to 0 with every published cell kept;
    # the Notes say a [c] is at least 1, so that point is not one the attacker allows.
    rectangle = ["A|r1|c1", "A|r1|c2", "A|r3|c1", "A|r3|c2"]
    problem = cells.audit_problem(rectangle, small, hidden_at_least=1)
    to_zero = truth.copy()
    to_zero[[0, 1, 6, 7]] += [-2, 2, 2, -2]
    with pytest.raises(ValueError, match=r"\[c\] cell A\|r1\|c1 is below its least value"):
        audit(problem, points=[to_zero])
    assert audit(problem, points=[truth]).passed


def test_three_linked_tables_need_whole_numbers(
    three_linked: LinkedCells, protected: DisclosureOutcome
) -> None:
    """Here linear vertices are not whole, so the case exercises the points: the audit must
    find whole-number solutions (rounded linear bounds happen to equal the whole ones)."""
    real = audit(protected.audit_problem, whole_numbers=False)
    assert real.passed
    # Without the true counts, some linear vertex is not whole, so programmes are needed.
    assert audit(protected.audit_problem).whole_solves > 0


def test_the_intervals_judged_are_never_wider_than_the_attacker_s(
    three_linked: LinkedCells, protected: DisclosureOutcome
) -> None:
    assert protected.passed
    small = set(protected.suppression.primary)
    for interval in protected.audit.intervals:
        low, high = exact_interval(protected.audit_problem, interval.cell)
        assert low <= interval.low and (interval.high is not None and interval.high <= high)
        if interval.cell in small:
            assert interval.high >= 5 and interval.low >= 1
        assert interval.high > interval.low


def test_most_bounds_are_settled_without_a_programme_of_their_own(
    three_linked: LinkedCells, protected: DisclosureOutcome
) -> None:
    problem = protected.audit_problem
    result = audit(problem, points=[three_linked.atom_values])
    assert result.passed
    hidden = sum(c.suppressed for c in problem.cells)
    assert hidden >= 20
    # A few joint searches meet the goals of many cells at once.
    assert result.whole_solves <= hidden // 4


def test_moves_along_cycles_settle_goals_before_any_programme(
    three_linked: LinkedCells, protected: DisclosureOutcome
) -> None:
    """Points built from the true counts by moving units around cycles of hidden cells
    settle most goals before any mixed-integer programme: here five programmes were
    needed without them, two with them."""
    problem = protected.audit_problem
    truth = three_linked.atom_values
    result = audit(problem, points=[truth])
    assert result.passed
    assert result.moved >= 10
    assert result.whole_solves <= 2
    # The moved points are kept among the points, and each of them is a whole-number
    # solution, checked here on its own terms: non-negative whole atoms, every published
    # cell at its value, every [c] at least 1.
    assert len(result.points) > result.moved
    for point in result.points:
        assert point.dtype == np.int64 and (point >= 0).all()
        for cell in problem.cells:
            total = int(point[list(cell.atoms)].sum())
            if cell.suppressed:
                assert total >= cell.at_least == 1
            else:
                assert total == cell.value
    # And the audit takes them back as given points without complaint.
    assert audit(problem, points=result.points).passed
