"""Zeros are published by default; with ``suppress_zero`` they are protected like 1 to 4.

A zero can only be protected where the attacker cannot know the cell is empty: for a
table alone in its counting unit each empty cell gets an empty atom of its own; in
linked tables that is unknown, so the answer is refused rather than published.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from foidesk.records.store import Store
from foidesk.stats.cases import Case, write_cases
from foidesk.stats.compiler import Source, compute_table
from foidesk.stats.disclosure import DisclosureError
from foidesk.stats.linkage import apply_disclosure_control
from foidesk.stats.specs import parse_table

YEARS = {"period": {"unit": "year", "from": "2022-01-01", "to": "2023-12-31"}}
BY_SEX = parse_table(
    {
        "id": "by_sex",
        "title": "t",
        "counting_unit": "victim",
        "rows": [YEARS],
        "columns": ["victim_sex"],
    },
    "test.yaml",
    0,
)
BY_YEAR = parse_table(
    {"id": "by_year", "title": "t", "counting_unit": "victim", "rows": [YEARS]}, "test.yaml", 1
)
# No victim's sex is "not recorded": that column is all zeros.
VICTIMS = {(2022, "F"): 9, (2022, "M"): 13, (2023, "F"): 7, (2023, "M"): 8}


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with Store(tmp_path / "store.duckdb") as s:
        write_cases(
            s,
            [
                Case(date(year, 5, 1), victims=(sex,))
                for (year, sex), n in VICTIMS.items()
                for _ in range(n)
            ],
        )
        yield s


def test_zeros_are_published_by_default(store: Store) -> None:
    table = compute_table(BY_SEX, Source.from_store(store))
    (marked,), report = apply_disclosure_control([table], {}, store=store)
    assert marked.markers == {} and report["passed"]


def test_suppress_zero_protects_the_empty_column(store: Store) -> None:
    table = compute_table(BY_SEX, Source.from_store(store))
    (marked,), report = apply_disclosure_control([table], {"suppress_zero": True}, store=store)
    hidden = {key for key, marker in marked.markers.items() if marker == "[c]"}
    assert {(("2022",), ("Not recorded",)), (("2023",), ("Not recorded",))} <= hidden
    assert report["passed"]
    for interval in report["audit"]["intervals"]:
        if "Not recorded" in interval["cell"]:
            assert interval["low"] == 0 and (interval["high"] is None or interval["high"] >= 5)


def test_suppress_zero_in_linked_tables_is_refused(store: Store) -> None:
    source = Source.from_store(store)
    tables = [compute_table(BY_SEX, source), compute_table(BY_YEAR, source)]
    with pytest.raises(DisclosureError, match="Not recorded"):
        apply_disclosure_control(tables, {"suppress_zero": True}, store=store)
