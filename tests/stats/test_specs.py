"""Table specifications: parsing from request-file YAML, refusals that name the field,
and fingerprints that change exactly when the meaning does."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from foidesk.stats.specs import SpecError, load_tables, parse_table, parse_tables

SEED = Path(__file__).resolve().parents[2] / "examples" / "requests" / "01.FOI.24.035331.yaml"


def table(**overrides) -> dict:
    data = {
        "id": "table_9",
        "title": "Table 9",
        "counting_unit": "pair",
        "rows": [{"period": {"unit": "year", "from": "2015-01-01", "to": "2024-12-31"}}],
        "columns": ["victim_sex"],
    }
    return {**data, **overrides}


def test_seed_request_has_six_tables_with_their_counting_units() -> None:
    specs = load_tables(SEED)
    assert [s.id for s in specs] == [f"table_{i}" for i in range(1, 7)]
    assert [s.counting_unit for s in specs] == ["pair", "pair", "crime", "pair", "crime", "crime"]
    table_1 = specs[0]
    assert table_1.population.how_known_groups == ("Former intimate partner",)
    assert table_1.population.recorded.start == date(2023, 1, 1)
    assert [c.start for c in table_1.rows[0].custom] == [date(2023, 1, 1), date(2023, 4, 5)]


def test_a_dimension_that_would_split_a_unit_is_refused() -> None:
    with pytest.raises(
        SpecError, match=r"req.yaml: table_9: dimension 'victim_sex' cannot classify crime"
    ):
        parse_table(table(counting_unit="crime"), "req.yaml", 0)


def test_errors_name_file_table_and_field() -> None:
    with pytest.raises(
        SpecError, match=r"req.yaml: table table_9: population.recorded.from: '2023-13-01'"
    ):
        parse_table(table(population={"recorded": {"from": "2023-13-01"}}), "req.yaml", 0)
    with pytest.raises(
        SpecError, match=r"table table_9: population.offence: unknown key \(did you mean offence_"
    ):
        parse_table(table(population={"offence": "CCB"}), "req.yaml", 0)
    with pytest.raises(SpecError, match=r"rows\[0\].period: a year period needs from and to"):
        parse_table(table(rows=[{"period": {"unit": "year"}}]), "req.yaml", 0)
    with pytest.raises(SpecError, match=r"counting_unit: 'offender' is not one of"):
        parse_table(table(counting_unit="offender"), "req.yaml", 0)
    with pytest.raises(SpecError, match=r"duplicate id\(s\) table_9"):
        parse_tables([table(), table()], "req.yaml")


def test_fingerprint_follows_meaning() -> None:
    a = parse_table(table(), "a.yaml", 0)
    assert a.fingerprint() == parse_table(table(), "b.yaml", 3).fingerprint()
    changed = parse_table(table(population={"domestic_abuse": True}), "a.yaml", 0)
    assert changed.fingerprint() != a.fingerprint()


def test_a_first_part_period_joined_to_the_next_is_one_labelled_period() -> None:
    from foidesk.stats.compiler import period_categories
    from foidesk.stats.coverage import part_periods
    from foidesk.stats.description import describe

    def period(**options) -> dict:
        return table(rows=[{"period": options}])

    years = parse_table(
        period(unit="year", **{"from": "2015-12-29", "to": "2024-05-31"}, join_first_part=True),
        "req.yaml",
        0,
    )
    labels = period_categories(years.rows[0])
    assert labels[:2] == ["29 December 2015 to 31 December 2016", "2017"] and labels[-1] == "2024"
    assert [p.label for p in part_periods(years)] == ["2024"]
    assert describe(years).endswith(
        "2015 to 2024 (29 December 2015 to 31 December 2016 as one period; 2024: 1 January "
        "to 31 May only)"
    )
    # Within one year the label still names it; a joined period can be the last one.
    quarters = parse_table(
        period(unit="quarter", **{"from": "2023-02-15", "to": "2023-05-31"}, join_first_part=True),
        "req.yaml",
        0,
    )
    assert period_categories(quarters.rows[0]) == ["15 February to 31 May 2023"]
    assert part_periods(quarters) == []
    fy = parse_table(
        period(
            unit="financial_year",
            **{"from": "2016-03-20", "to": "2018-03-31"},
            join_first_part=True,
        ),
        "req.yaml",
        0,
    )
    assert period_categories(fy.rows[0]) == ["20 March 2016 to 31 March 2017", "2017-18"]


def test_joining_a_first_part_that_is_not_there_changes_nothing() -> None:
    from foidesk.stats.compiler import period_categories

    def joined(start: str, end: str) -> list[str]:
        options = {"unit": "year", "from": start, "to": end, "join_first_part": True}
        return period_categories(
            parse_table(table(rows=[{"period": options}]), "r.yaml", 0).rows[0]
        )

    assert joined("2015-01-01", "2016-12-31") == ["2015", "2016"]
    assert joined("2015-12-29", "2015-12-31") == ["2015"]
    with pytest.raises(SpecError, match=r"join_first_part: expected true or false, not 'yes'"):
        options = {"unit": "year", "from": "2015-12-29", "to": "2016-12-31"}
        parse_table(table(rows=[{"period": {**options, "join_first_part": "yes"}}]), "r.yaml", 0)
    with pytest.raises(SpecError, match=r"join_first_part: custom periods are listed as written"):
        custom = [{"label": "A", "from": "2015-12-29", "to": "2016-12-31"}]
        parse_table(
            table(rows=[{"period": {"custom": custom, "join_first_part": True}}]), "r.yaml", 0
        )
