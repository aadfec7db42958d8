"""Suppression patterns on tables small enough to check by hand.

Each table has a Total column, a Total row and a grand total. The default policy
suppresses counts 1 to 4 and protects each of them so that an attacker who knows every
published figure, and reads in the Notes that zeros are published (so every [c] is at
least 1), cannot rule out 5, and finds no [c] exact.
"""

from __future__ import annotations

import itertools

import pytest

from foidesk.stats.audit import audit
from foidesk.stats.disclosure import DisclosureError, DisclosurePolicy, protect

from .small_tables import linked, row_totals, two_way

ONE_SMALL = [[2, 10, 20], [15, 30, 25], [12, 18, 40]]


def interior(cell_id: str) -> bool:
    return "Total" not in cell_id


def test_one_small_count_needs_a_rectangle_of_three_more_cells() -> None:
    cells = linked(ONE_SMALL, two_way(ONE_SMALL))
    outcome = protect(cells)
    assert outcome.suppression.primary == ["A|r1|c1"]
    assert len(outcome.suppression.secondary) == 3
    # The four [c] cells are the corners of a rectangle: two rows, two columns.
    corners = [cid.split("|")[1:] for cid in outcome.suppressed]
    assert len({r for r, _ in corners}) == 2 and len({c for _, c in corners}) == 2
    # Of the rectangles through r1/c1, the one with the least total count is chosen.
    assert sorted(outcome.suppressed) == ["A|r1|c1", "A|r1|c2", "A|r3|c1", "A|r3|c2"]
    assert outcome.passed
    (small,) = [i for i in outcome.audit.intervals if i.cell == "A|r1|c1"]
    # r1/c2 (10) may fall only to 1, so r1/c1 (2) may rise to 11; it may fall to 1.
    assert (small.low, small.high) == (1, 11)


def test_no_pattern_with_fewer_cells_passes_the_audit() -> None:
    """Brute force over every smaller choice: the solver's count is the minimum."""
    values = [[3, 1, 9], [8, 12, 7], [6, 11, 14]]
    cells = linked(values, two_way(values))
    policy = DisclosurePolicy()
    outcome = protect(cells, policy)
    primary = outcome.suppression.primary
    assert sorted(primary) == ["A|r1|c1", "A|r1|c2"]
    # A rectangle with r2 is not enough: r1/c1 can fall by only 3, so r1/c2 could not
    # be shown to reach 5. The solver needs four more cells, and no three will do.
    best = len(outcome.suppression.secondary)
    assert best == 4
    requirements = {p: policy.requirement() for p in primary}
    others = [c.id for c in cells.cells if c.id not in primary]
    for size in range(best):
        for extra in itertools.combinations(others, size):
            result = audit(cells.audit_problem(primary + list(extra), requirements))
            assert not result.passed, extra


def test_a_small_count_alone_in_a_row_of_zeros_takes_its_row_total() -> None:
    # Zeros are published and pin their cells: the only way to move r1/c2 is through
    # the row total, then a cell of another row in the same column and that row's total.
    values = [[0, 3, 0], [10, 20, 30], [15, 25, 35]]
    outcome = protect(linked(values, two_way(values)))
    assert set(outcome.suppression.primary) == {"A|r1|c2", "A|r1|Total"}
    assert sorted(outcome.suppression.secondary) == ["A|r2|Total", "A|r2|c2"]
    assert outcome.passed
    assert not any(cid in outcome.suppressed for cid in ("A|r1|c1", "A|r1|c3"))


def test_zero_is_published_unless_the_policy_says_otherwise() -> None:
    values = [[0, 7, 9], [6, 8, 10]]
    assert protect(linked(values, two_way(values))).suppressed == []
    # A zero can only be protected if the attacker does not know the cell is empty, so
    # here every cell has an atom, empty or not.
    zeros_kept = linked(values, two_way(values, zero_atoms=True), zero_atoms=True)
    strict = protect(zeros_kept, DisclosurePolicy(suppress_zero=True))
    assert "A|r1|c1" in strict.suppression.primary
    assert strict.passed


def test_a_small_total_is_itself_suppressed_and_protected() -> None:
    values = [[1, 2, 0], [9, 11, 13], [8, 6, 12]]
    outcome = protect(linked(values, two_way(values)))
    assert {"A|r1|c1", "A|r1|c2", "A|r1|Total"} <= set(outcome.suppression.primary)
    assert outcome.passed
    for interval in outcome.audit.intervals:
        assert interval.low >= 1  # the attacker knows every [c] is at least 1
        if interval.cell in outcome.suppression.primary:
            assert interval.high is None or interval.high >= 5
    # r1's total moves with r1/c1, and the grand total is shown, so another row total
    # must move too: here no pattern of interior cells alone protects.
    assert "A|r3|Total" in outcome.suppression.secondary


def test_value_objective_hides_the_least_total_count() -> None:
    # Fewest cells: r1/Total, r2/Total and r2/c1 (three). Least total: interior cells
    # only, even though that needs the same number here; the count objective breaks
    # ties by value too, so both agree, and both beat the large-valued alternatives.
    values = [[2, 40, 3], [5, 50, 6], [30, 60, 70]]
    by_count = protect(linked(values, two_way(values)), DisclosurePolicy(objective="count"))
    by_value = protect(linked(values, two_way(values)), DisclosurePolicy(objective="value"))
    cells = {c.id: c.value for c in linked(values, two_way(values)).cells}
    extra_value = sum(cells[c] for c in by_value.suppression.secondary)
    assert by_value.suppression.objective == extra_value
    assert extra_value <= sum(cells[c] for c in by_count.suppression.secondary)
    assert by_count.suppression.objective == len(by_count.suppression.secondary)
    assert by_count.passed and by_value.passed


def test_per_table_suppression_of_linked_tables_leaks_and_joint_does_not() -> None:
    """Table A is year by sex; Table B is the same years' totals (as Tables 3 and 5)."""
    # r1/c1 (4) can reach 5 only if r1/c2 (1) falls to 0, which the Notes rule out, or
    # r1's total moves: A must hide its first row total.
    values = [[4, 1, 0], [12, 20, 9], [7, 6, 8]]
    a, b = two_way(values, "A"), row_totals(values, "B")
    alone_a = protect(linked(values, a))
    alone_b = protect(linked(values, b))
    assert alone_b.suppressed == []  # every year total in B is at least 5
    # A alone hides its first and third year totals: safe while A is the only table.
    assert {"A|r1|Total", "A|r3|Total"} <= set(alone_a.suppressed)
    assert alone_a.passed

    both = linked(values, a, b)
    policy = DisclosurePolicy()
    requirements = {p: policy.requirement() for p in alone_a.suppression.primary}
    leak = audit(both.audit_problem(alone_a.suppressed, requirements, hidden_at_least=1))
    assert not leak.passed
    exposed = {i.cell: (i.low, i.high) for i in leak.exposed}
    # B publishes the year total A hid, so r1/Total is exact and r1/c1 is at most 4.
    assert exposed["A|r1|Total"] == (5, 5)
    assert exposed["A|r1|c1"] == (1, 4)

    joint = protect(both)
    assert joint.passed
    assert {"B|r1|n", "B|r3|n"} <= set(joint.suppressed)
    assert all(i.low >= 1 and i.high >= 5 for i in joint.audit.intervals if i.cell in requirements)


def test_a_count_already_revealed_by_an_earlier_table_is_refused() -> None:
    values = [[2, 10], [15, 30]]
    earlier = [
        c.__class__(**{**c.__dict__, "id": "old " + c.id, "table": "old A", "earlier": True})
        for c in two_way(values)
    ]
    with pytest.raises(DisclosureError, match="A\\|r1\\|c1"):
        protect(linked(values, two_way(values), earlier))


def test_rounding_rounds_every_cell_on_its_own() -> None:
    values = [[2, 13, 22], [7, 8, 3]]
    outcome = protect(linked(values, two_way(values)), DisclosurePolicy(method="round"))
    assert outcome.rounded["A|r1|c1"] == 0
    assert outcome.rounded["A|r1|c2"] == 15
    assert outcome.rounded["A|r2|c2"] == 10
    assert outcome.rounded["A|r1|Total"] == 35  # 37, not 0 + 15 + 20
    assert outcome.rounded["A|Total|Total"] == 55
    assert outcome.suppressed == [] and outcome.passed
    assert "may not equal" in DisclosurePolicy(method="round").note()


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"range": [1]}, r"disclosure_control: range\[1\]: Field required"),
        ({"method": "blur"}, "method: 'blur' is not one of suppress, round"),
        ({"protection": "primary"}, "only 'secondary'"),
        ({"thresold": 5}, "thresold: unknown key; known keys: high, low, method"),
        ({"rounding_bse": 5}, r"rounding_bse: unknown key \(did you mean rounding_base\?\)"),
        ({"range": [3, 2]}, "low <= high"),
    ],
)
def test_bad_policy_names_the_setting(mapping: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DisclosurePolicy.from_mapping(mapping, source="req.yaml: disclosure_control")


def test_request_file_policy_reads_range_and_protection() -> None:
    policy = DisclosurePolicy.from_mapping(
        {"method": "suppress", "range": [1, 9], "protection": "secondary"}
    )
    assert (policy.low, policy.high) == (1, 9)
    assert policy.requirement().upper_at_least == 10


def test_the_request_file_schema_names_every_policy_field() -> None:
    from dataclasses import fields

    from foidesk.stats.disclosure import DisclosureControlInput

    keys = set(DisclosureControlInput.model_fields)
    assert keys == {f.name for f in fields(DisclosurePolicy)} | {"range", "protection"}
