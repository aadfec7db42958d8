"""Counting units on stores small enough to count by hand.

The worked example of docs/tables.md: a crime with two victims and one suspect
contributes 1 to a crime count, 2 to a victim count, 1 to a suspect count and 2 to a
pair count. A crime with no identified suspect contributes nothing to suspect or pair
tables. Sex "U" is the category "Not recorded", never dropped.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow.compute as pc
import pytest

from foidesk.records.store import Store
from foidesk.stats.cases import Case, write_cases
from foidesk.stats.compiler import Source, compute_table, unit_cells
from foidesk.stats.specs import SpecError, TableSpec, parse_table


def spec(unit: str, columns: list, **extra) -> TableSpec:
    data = {
        "id": "t",
        "title": "T",
        "counting_unit": unit,
        "rows": [{"period": {"unit": "year", "from": "2022-01-01", "to": "2023-12-31"}}],
        "columns": columns,
        **extra,
    }
    return parse_table(data, "test.yaml", 0)


SEX_COLUMN = {"crime": [], "victim": ["victim_sex"], "suspect": ["suspect_sex"], "pair": []}


def grand_total(store: Store, unit: str) -> int:
    table = compute_table(spec(unit, SEX_COLUMN[unit]), Source.from_store(store))
    return table.grand_total


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with Store(tmp_path / "store.duckdb") as s:
        yield s


def test_two_victims_one_suspect(store: Store) -> None:
    write_cases(
        store,
        [
            Case(
                date(2023, 5, 3),
                victims=("F", "M"),
                suspects=("M",),
                pairs=((0, 0, "XP"), (1, 0, "PA")),
            )
        ],
    )
    totals = {unit: grand_total(store, unit) for unit in ("crime", "victim", "suspect", "pair")}
    assert totals == {"crime": 1, "victim": 2, "suspect": 1, "pair": 2}


def test_one_victim_two_suspects(store: Store) -> None:
    write_cases(
        store,
        [
            Case(
                date(2023, 5, 3),
                victims=("F",),
                suspects=("M", "F"),
                pairs=((0, 0, "XP"), (0, 1, "FR")),
            )
        ],
    )
    totals = {unit: grand_total(store, unit) for unit in ("crime", "victim", "suspect", "pair")}
    assert totals == {"crime": 1, "victim": 1, "suspect": 2, "pair": 2}


def test_no_suspect_counts_as_a_crime_and_a_victim_only(store: Store) -> None:
    write_cases(store, [Case(date(2022, 2, 1), victims=("F",))])
    totals = {unit: grand_total(store, unit) for unit in ("crime", "victim", "suspect", "pair")}
    assert totals == {"crime": 1, "victim": 1, "suspect": 0, "pair": 0}


def test_sex_not_recorded_is_its_own_category(store: Store) -> None:
    write_cases(
        store,
        [
            Case(date(2023, 1, 9), victims=("U",), suspects=("U",), pairs=((0, 0, "XB"),)),
            Case(date(2023, 1, 9), victims=("F",), suspects=("M",), pairs=((0, 0, "XB"),)),
        ],
    )
    table = compute_table(
        spec(
            "pair",
            ["victim_sex"],
            rows=[{"period": {"from": "2023-01-01", "to": "2023-12-31"}}, "suspect_sex"],
        ),
        Source.from_store(store),
    )
    frame = table.display_frame().set_index(["Calendar year", "Suspect sex"])
    # Each value column names its dimension: a screen reader never hears a bare "Female".
    assert list(frame.columns) == [
        "Victim sex: Female",
        "Victim sex: Male",
        "Victim sex: Not recorded",
        "Total",
    ]
    assert frame.loc[("2023", "Not recorded"), "Victim sex: Not recorded"] == 1
    assert frame.loc[("2023", "Male"), "Victim sex: Female"] == 1
    assert frame.loc[("Total", "Total"), "Total"] == 2


def test_every_category_is_listed_with_zeros(store: Store) -> None:
    write_cases(store, [Case(date(2023, 6, 1), victims=("F",), outcome="1")])
    table = compute_table(
        spec("crime", ["outcome"], rows=[{"period": {"from": "2019-01-01", "to": "2023-12-31"}}]),
        Source.from_store(store),
    )
    frame = table.display_frame().set_index("Calendar year")
    assert list(frame.index) == ["2019", "2020", "2021", "2022", "2023", "Total"]
    assert "Outcome group: Not yet assigned an outcome" in frame.columns
    assert len(frame.columns) == 12  # eleven outcome groups and Total
    assert frame.loc["2023", "Outcome group: Charged/summonsed"] == 1
    assert frame.drop(columns="Total").to_numpy().sum() == 2  # the 1 and its column total


def test_how_known_filter_counts_a_crime_once_if_any_pair_matches(store: Store) -> None:
    write_cases(
        store,
        [
            # One victim, two suspects: a former partner and a stranger.
            Case(
                date(2023, 3, 1),
                victims=("F",),
                suspects=("M", "M"),
                pairs=((0, 0, "XS"), (0, 1, "ST")),
            ),
            Case(date(2023, 3, 2), victims=("F",), suspects=("M",), pairs=((0, 0, "ST"),)),
        ],
    )
    former = {"how_known_groups": ["Former intimate partner"]}
    source = Source.from_store(store)
    counts = {
        unit: compute_table(spec(unit, SEX_COLUMN[unit], population=former), source).grand_total
        for unit in ("crime", "victim", "suspect", "pair")
    }
    assert counts == {"crime": 1, "victim": 1, "suspect": 1, "pair": 1}


def test_unit_cells_lists_each_unit_and_its_cell(store: Store) -> None:
    snap = write_cases(
        store,
        [
            Case(
                date(2023, 5, 3),
                victims=("F", "M"),
                suspects=("M",),
                pairs=((0, 0, "XP"), (1, 0, "PA")),
            ),
            Case(date(2022, 5, 3), victims=("U",)),
        ],
    )
    pairs = unit_cells(spec("pair", ["victim_sex", "suspect_sex"]), store, snap)
    assert pairs.column_names == ["victim_id", "suspect_id", "period", "victim_sex", "suspect_sex"]
    assert pairs.to_pylist() == [
        {
            "victim_id": 1,
            "suspect_id": 1,
            "period": "2023",
            "victim_sex": "Female",
            "suspect_sex": "Male",
        },
        {
            "victim_id": 2,
            "suspect_id": 1,
            "period": "2023",
            "victim_sex": "Male",
            "suspect_sex": "Male",
        },
    ]
    victims = unit_cells(spec("victim", ["victim_sex"]), store, snap)
    assert victims.column_names == ["victim_id", "period", "victim_sex"]
    assert pc.sum(pc.equal(victims["victim_sex"], "Not recorded")).as_py() == 1
    crimes = unit_cells(spec("crime", []), store, snap)
    assert crimes["crime_id"].to_pylist() == [1, 2]


def test_totals_list_the_interior_cells_they_sum(store: Store) -> None:
    write_cases(
        store,
        [
            Case(
                date(2023, 5, 3),
                victims=("F", "M"),
                suspects=("M",),
                pairs=((0, 0, "XP"), (1, 0, "PA")),
            ),
            Case(date(2022, 5, 3), victims=("F",)),
        ],
    )
    table = compute_table(spec("victim", ["victim_sex"]), Source.from_store(store))
    cells = {c.key: c for c in table.cells()}
    interior = {k: c for k, c in cells.items() if not c.is_total}
    assert len(interior) == 2 * 3
    year_total = cells[(("2023",), ("Total",))]
    assert year_total.value == 2
    assert year_total.sums == (
        (("2023",), ("Female",)),
        (("2023",), ("Male",)),
        (("2023",), ("Not recorded",)),
    )
    grand = cells[(("Total",), ("Total",))]
    assert grand.value == 3 and len(grand.sums) == 6
    assert all(
        sum(interior[k].value for k in c.sums) == c.value for c in cells.values() if c.is_total
    )
    long = table.cells_table()
    assert long.num_rows == len(cells)
    assert long.column_names == [
        "table_id",
        "row_labels",
        "column_labels",
        "value",
        "marker",
        "is_total",
        "sums",
    ]


def test_period_units_and_committed_basis(store: Store) -> None:
    write_cases(
        store,
        [
            Case(date(2023, 3, 31), victims=("F",), committed=date(2023, 3, 1)),
            Case(date(2023, 4, 1), victims=("F",), committed=None),
            Case(date(2023, 5, 2), victims=("M",), committed=date(2023, 2, 10)),
        ],
    )
    source = Source.from_store(store)

    def rows(period: dict) -> dict[str, int]:
        table = compute_table(
            parse_table(
                {"id": "p", "title": "P", "counting_unit": "crime", "rows": [{"period": period}]},
                "t",
                0,
            ),
            source,
        )
        return {r[0]: int(table.counts[i].sum()) for i, r in enumerate(table.row_keys)}

    fy = rows({"unit": "financial_year", "from": "2022-04-01", "to": "2024-03-31"})
    assert fy == {"2022-23": 1, "2023-24": 2}
    quarters = rows({"unit": "quarter", "from": "2023-01-01", "to": "2023-06-30"})
    assert quarters == {"2023 Q1": 1, "2023 Q2": 2}
    months = rows({"unit": "month", "from": "2023-03-01", "to": "2023-04-30"})
    assert months == {"2023-03": 1, "2023-04": 1}  # the crime recorded in May is outside
    committed = rows(
        {"unit": "month", "basis": "committed", "from": "2023-03-01", "to": "2023-03-31"}
    )
    # Committed in February: outside the range. No committed date: "Not recorded".
    assert committed == {"2023-03": 1, "Not recorded": 1}
    custom = rows({"custom": [{"label": "Before", "from": "2023-01-01", "to": "2023-03-31"}]})
    assert custom == {"Before": 1}  # the crimes recorded in April and May are outside
    # Two ranges with a gap (April) between them: the crime recorded in the gap is outside
    # both; two ranges that meet count every crime between their outer bounds.
    gap = [
        {"label": "Q1", "from": "2023-01-01", "to": "2023-03-31"},
        {"label": "May", "from": "2023-05-01", "to": "2023-05-31"},
    ]
    assert rows({"custom": gap}) == {"Q1": 1, "May": 1}
    meet = [
        {"label": "To April", "from": "2023-01-01", "to": "2023-04-30"},
        {"label": "From May", "from": "2023-05-01", "to": "2023-05-31"},
    ]
    assert rows({"custom": meet}) == {"To April": 2, "From May": 1}
    by_committed = rows(
        {
            "basis": "committed",
            "custom": [{"label": "Feb", "from": "2023-02-01", "to": "2023-02-28"}],
        }
    )
    assert by_committed == {"Feb": 1, "Not recorded": 1}


def test_an_outcome_code_missing_from_reference_data_is_refused_by_name(store: Store) -> None:
    write_cases(store, [Case(date(2023, 6, 1), victims=("F",), outcome="99")])
    with pytest.raises(
        ValueError, match=r"t: categories missing from reference data: \['outcome: 99'\]"
    ):
        compute_table(spec("crime", ["outcome"]), Source.from_store(store))


def test_outcome_types_by_code_include_not_yet_assigned(store: Store) -> None:
    write_cases(
        store, [Case(date(2023, 6, 1), victims=("F",), outcome="1A"), Case(date(2023, 7, 1))]
    )
    table = compute_table(spec("crime", [{"outcome": {"level": "code"}}]), Source.from_store(store))
    row = table.display_frame().set_index("Calendar year").loc["2023"]
    assert row["Outcome: 1A: Charged/summonsed - alternative offence"] == 1
    assert row["Outcome: Not yet assigned an outcome"] == 1
    assert row["Total"] == 2


def test_a_table_with_only_column_dimensions(store: Store) -> None:
    write_cases(store, [Case(date(2023, 6, 1), victims=("F", "F", "U"))])
    table = compute_table(
        parse_table(
            {"id": "c", "title": "C", "counting_unit": "victim", "columns": ["victim_sex"]}, "t", 0
        ),
        Source.from_store(store),
    )
    assert table.display_frame().to_dict("records") == [
        {"Victim sex: Female": 2, "Victim sex: Male": 0, "Victim sex: Not recorded": 1, "Total": 3}
    ]
    with pytest.raises(KeyError, match="no such cell"):
        table.with_markers({(("2023",), ("Female",)): "[c]"})
    marked = table.with_markers({((), ("Not recorded",)): "[c]"})
    assert marked.display_frame().to_dict("records") == [
        {
            "Victim sex: Female": 2,
            "Victim sex: Male": 0,
            "Victim sex: Not recorded": "[c]",
            "Total": 3,
        }
    ]


def test_how_known_dimension_by_group_and_by_code(store: Store) -> None:
    write_cases(
        store,
        [
            Case(
                date(2023, 3, 1),
                victims=("F",),
                suspects=("M", "M"),
                pairs=((0, 0, "XS"), (0, 1, "ST")),
            ),
            Case(date(2023, 4, 1), victims=("F",), suspects=("M",), pairs=((0, 0, "XB"),)),
        ],
    )
    source = Source.from_store(store)
    groups = (
        compute_table(spec("pair", ["how_known"]), source)
        .display_frame()
        .set_index("Calendar year")
    )
    assert groups.loc["2023", "How known: Former intimate partner"] == 2
    assert groups.loc["2023", "How known: Stranger"] == 1
    assert groups.loc["2023", "How known: Family member"] == 0
    codes = compute_table(spec("pair", [{"how_known": {"level": "code"}}]), source).display_frame()
    row = codes.set_index("Calendar year").loc["2023"]
    assert row["How known: Ex-spouse or ex-civil partner (XS)"] == 1
    assert row["How known: Ex-boyfriend or ex-girlfriend (XB)"] == 1
    assert row["Total"] == 3


def test_a_how_known_code_missing_from_reference_data_is_refused_by_name(store: Store) -> None:
    write_cases(
        store, [Case(date(2023, 3, 1), victims=("F",), suspects=("M",), pairs=((0, 0, "ZZ"),))]
    )
    with pytest.raises(ValueError, match=r"how_known: ZZ"):
        compute_table(spec("pair", ["how_known"]), Source.from_store(store))


def test_population_by_any_text_field_of_crimes(store: Store) -> None:
    write_cases(
        store,
        [
            Case(date(2023, 6, 1), victims=("F",), ref="MET-1"),
            Case(date(2023, 6, 2), victims=("F",), ref="MET-2", area="Hackney"),
            Case(date(2023, 6, 3), victims=("M",), ref="MET-3", domestic_abuse=False),
        ],
    )
    source = Source.from_store(store)
    by_ref = spec("crime", [], population={"crime_fields": {"crime_ref": ["MET-1", "MET-3"]}})
    assert compute_table(by_ref, source).grand_total == 2
    by_area_and_flag = spec("crime", [], population={"areas": ["Camden"], "domestic_abuse": True})
    assert compute_table(by_area_and_flag, source).grand_total == 1
    with pytest.raises(
        SpecError,
        match=r"population.crime_fields.recorded_date: 'recorded_date' is not one of crime_ref",
    ):
        spec("crime", [], population={"crime_fields": {"recorded_date": ["2023-06-01"]}})
