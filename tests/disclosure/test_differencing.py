"""Differencing against an earlier disclosure: tables already on the log are known.

An earlier package published controlling or coercive behaviour crimes for 2016 to 2023
as one total. Now the same offence is asked for by year, 2016 to 2024, with 3 crimes in
2024. Alone, the new table needs one more year hidden beside 2024; with the earlier
total known, that would give 2024 away (grand total minus the earlier total), so the
grand total must be hidden instead.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from foidesk.records.store import Store
from foidesk.stats.audit import audit
from foidesk.stats.cases import Case, write_cases
from foidesk.stats.compiler import Source, compute_table, unit_cells
from foidesk.stats.disclosure import DisclosureError, DisclosurePolicy
from foidesk.stats.linkage import EarlierPackage, apply_disclosure_control, link_tables
from foidesk.stats.specs import TableSpec, parse_table

PER_YEAR = {2016: 5, 2017: 6, 2018: 7, 2019: 8, 2020: 9, 2021: 10, 2022: 11, 2023: 12, 2024: 3}


def ccb_spec(table_id: str, rows: dict) -> TableSpec:
    return parse_table(
        {
            "id": table_id,
            "title": table_id,
            "counting_unit": "crime",
            "population": {"offence_groups": ["Controlling or coercive behaviour"]},
            "rows": [rows],
        },
        "test.yaml",
        0,
    )


BY_YEAR = ccb_spec(
    "by_year", {"period": {"unit": "year", "from": "2016-01-01", "to": "2024-12-31"}}
)
EARLIER_TOTAL = ccb_spec(
    "to_2023",
    {"period": {"custom": [{"label": "2016 to 2023", "from": "2016-01-01", "to": "2023-12-31"}]}},
)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with Store(tmp_path / "store.duckdb") as s:
        cases = [
            Case(date(year, 3, 1 + i % 28), victims=("F",), suspects=("M",))
            for year, n in PER_YEAR.items()
            for i in range(n)
        ]
        write_cases(s, cases)
        yield s


def suppressed_rows(tables: list) -> set[str]:
    return {key[0][0] for t in tables for key in t.markers}


def test_alone_the_new_table_hides_one_more_year(store: Store) -> None:
    table = compute_table(BY_YEAR, Source.from_store(store))
    marked, report = apply_disclosure_control([table], {}, store=store)
    assert suppressed_rows(marked) == {"2024", "2016"}  # the smallest other year
    assert report["passed"]


def test_with_the_earlier_total_the_grand_total_is_hidden(store: Store) -> None:
    table = compute_table(BY_YEAR, Source.from_store(store))
    earlier = EarlierPackage("01.FOI.23.000001", (EARLIER_TOTAL,))
    marked, report = apply_disclosure_control([table], {}, store=store, earlier=[earlier])
    assert suppressed_rows(marked) == {"2024", "Total"}
    assert report["passed"]
    (interval,) = [i for i in report["audit"]["intervals"] if i["cell"].endswith("2024 | -")]
    assert interval["low"] == 1 and interval["high"] is None  # [c] is at least 1


def test_the_pattern_chosen_alone_leaks_once_the_earlier_total_is_known(store: Store) -> None:
    source = Source.from_store(store)
    table = compute_table(BY_YEAR, source)
    earlier_table = compute_table(EARLIER_TOTAL, source)
    linked = link_tables(
        [table],
        {table.id: unit_cells(BY_YEAR, store)},
        [("old", earlier_table, unit_cells(EARLIER_TOTAL, store))],
    )
    policy = DisclosurePolicy()
    alone = ["by_year | 2024 | -", "by_year | 2016 | -"]
    result = audit(linked.cells.audit_problem(alone, {alone[0]: policy.requirement()}))
    exposed = {i.cell: (i.low, i.high) for i in result.exposed}
    assert exposed["by_year | 2024 | -"] == (3, 3)  # 86 in total, minus 83 to 2023
    assert exposed["by_year | 2016 | -"] == (5, 5)


def test_an_earlier_package_that_already_revealed_a_count_is_refused(store: Store) -> None:
    earlier = EarlierPackage("01.FOI.25.000002", (BY_YEAR,))
    table = compute_table(BY_YEAR, Source.from_store(store))
    with pytest.raises(DisclosureError, match="revealed even with every other cell withheld"):
        apply_disclosure_control([table], {}, store=store, earlier=[earlier])


def test_an_earlier_complementary_cell_may_now_be_published(store: Store) -> None:
    """The earlier package hid 2016 and 2017 (to protect a figure since revised); that
    today's table publishes both is no leak, and the earlier total still rules."""
    earlier_years = {"unit": "year", "from": "2016-01-01", "to": "2023-12-31"}
    earlier_spec = ccb_spec("to_2023_by_year", {"period": earlier_years})
    hidden = frozenset(("to_2023_by_year", ((year,), ())) for year in ("2016", "2017"))
    earlier = EarlierPackage("01.FOI.24.000003", (earlier_spec,), hidden)
    table = compute_table(BY_YEAR, Source.from_store(store))
    marked, report = apply_disclosure_control([table], {}, store=store, earlier=[earlier])
    assert suppressed_rows(marked) == {"2024", "Total"}
    assert report["passed"]
