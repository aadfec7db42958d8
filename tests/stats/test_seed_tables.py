"""Every cell of the seed's six tables, checked against an independent pandas computation.

The store is 400 random crimes (seeded) with zero to three victims and suspects, every
sex code, every how-known code, outcomes including none yet, and dates either side of the
tables' ranges. The independent side works from the raw record tables with pandas merges,
written straight from the table titles, not from the specifications' machinery.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from foidesk.records.reference import load_reference
from foidesk.records.store import Store
from foidesk.stats.cases import Case, case_tables, write_cases
from foidesk.stats.compiler import Source, compute_table, unit_cells
from foidesk.stats.specs import UNIT_KEYS, load_tables
from foidesk.stats.table import TOTAL, ComputedTable

SEED = Path(__file__).resolve().parents[2] / "examples" / "requests" / "01.FOI.24.035331.yaml"
FIRST_CCB_PERIOD = "29 December 2015 to 31 December 2016"
OFFENCES = ["8/67", "8/67", "8/67", "8/65", "8/66", "195/12", "8/33", "195/94", "8/34", "105A"]


def random_cases(n: int = 400, seed: int = 11) -> list[Case]:
    rng = np.random.default_rng(seed)
    how_known = load_reference()["how_known_codes"]["code"].to_pylist()
    outcomes = [*load_reference()["outcome_types"]["code"].to_pylist()]
    cases = []
    for _ in range(n):
        offence = str(rng.choice(OFFENCES))
        first = date(2015, 12, 29) if offence == "8/67" else date(2014, 6, 1)
        recorded = first + timedelta(days=int(rng.integers(0, (date(2025, 3, 1) - first).days)))
        victims = tuple(rng.choice(["F", "M", "U"], size=int(rng.choice([1, 1, 2, 3]))))
        suspects = tuple(rng.choice(["F", "M", "U"], size=int(rng.choice([0, 1, 1, 2]))))
        pairs = tuple(
            (v, s, str(rng.choice(how_known[3:6] if rng.random() < 0.5 else how_known)))
            for v in range(len(victims))
            for s in range(len(suspects))
        )
        cases.append(
            Case(
                recorded,
                offence=offence,
                victims=victims,
                suspects=suspects,
                pairs=pairs,
                outcome=outcomes[int(rng.integers(0, len(outcomes)))],
            )
        )
    return cases


def independent_units(cases: list[Case]) -> dict[str, pd.DataFrame]:
    """The units of each seed table with their category labels, computed with pandas."""
    raw = {name: t.to_pandas() for name, t in case_tables(cases).items()}
    ref = load_reference()
    groups = ref["offence_classification"].to_pandas().set_index("code")["offence_group"]
    hk_group = ref["how_known_codes"].to_pandas().set_index("code")["how_known_group"]
    sex = ref["sexes"].to_pandas().set_index("code")["label"]
    out_types = ref["outcome_types"].to_pandas()
    outcome_group = dict(zip(out_types["code"], out_types["outcome_group"], strict=True))

    crimes = raw["crimes"].copy()
    crimes["group"] = crimes["offence_code"].map(groups)
    crimes["day"] = pd.to_datetime(crimes["recorded_date"])
    crimes["year"] = crimes["day"].dt.year.astype(str)
    outcome = raw["outcomes"].set_index("crime_id")["outcome_code"]
    crimes["outcome"] = [
        outcome_group[c] if c is not None else outcome_group[None]
        for c in crimes["crime_id"].map(outcome)
    ]
    pairs = raw["relationships"].merge(crimes, on="crime_id")
    pairs["former"] = pairs["how_known"].map(hk_group) == "Former intimate partner"
    pairs["victim_sex"] = (
        pairs["victim_id"].map(raw["victims"].set_index("victim_id")["sex"]).map(sex)
    )
    pairs["suspect_sex"] = (
        pairs["suspect_id"].map(raw["suspects"].set_index("suspect_id")["sex"]).map(sex)
    )

    ccb = crimes["group"] == "Controlling or coercive behaviour"
    hs = crimes["group"].isin(["Harassment", "Stalking"])
    p_ccb = pairs["group"] == "Controlling or coercive behaviour"
    p_hs = pairs["group"].isin(["Harassment", "Stalking"])
    in_2015_24 = (crimes["day"] >= "2015-01-01") & (crimes["day"] <= "2024-05-31")
    p_2015_24 = (pairs["day"] >= "2015-01-01") & (pairs["day"] <= "2024-05-31")
    former_crimes = set(pairs.loc[pairs["former"], "crime_id"])

    t1 = pairs[p_ccb & pairs["former"] & (pairs["day"].dt.year == 2023)].copy()
    t1["period"] = np.where(
        t1["day"] < "2023-04-05", "1 January to 4 April 2023", "5 April to 31 December 2023"
    )
    t2 = pairs[p_hs & pairs["former"] & p_2015_24].rename(columns={"year": "period"})
    # CCB's three days of 2015 (in force from 29 December) are counted with 2016.
    ccb_years = {"2015": FIRST_CCB_PERIOD, "2016": FIRST_CCB_PERIOD}
    t3 = crimes[ccb & in_2015_24].rename(columns={"year": "period"})
    t3["period"] = t3["period"].replace(ccb_years)
    t4 = pairs[p_ccb & p_2015_24].rename(columns={"year": "period"})
    t4["period"] = t4["period"].replace(ccb_years)
    t6 = crimes[hs & in_2015_24 & crimes["crime_id"].isin(former_crimes)].rename(
        columns={"year": "period"}
    )
    return {
        "table_1": t1,
        "table_2": t2,
        "table_3": t3,
        "table_4": t4,
        "table_5": t3,
        "table_6": t6,
    }


def check_every_cell(table: ComputedTable, units: pd.DataFrame) -> int:
    row_kinds = [d.kind for d in table.spec.rows]
    col_kinds = [d.kind for d in table.spec.columns]
    expected = units.groupby(row_kinds + col_kinds).size().to_dict() if len(units) else {}
    checked = 0
    for cell in table.cells():
        match = pd.Series(True, index=units.index)
        for kind, label in zip(row_kinds, cell.row, strict=True):
            if label != TOTAL:
                match &= units[kind] == label
        for kind, label in zip(col_kinds, cell.column, strict=True):
            if label != TOTAL:
                match &= units[kind] == label
        assert cell.value == int(match.sum()), (table.id, cell.row, cell.column)
        if not cell.is_total:
            key = cell.row + cell.column
            assert cell.value == expected.get(key if len(key) > 1 else key[0], 0)
        checked += 1
    return checked


@pytest.fixture(scope="module")
def seed_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Case]]:
    cases = random_cases()
    path = tmp_path_factory.mktemp("seed") / "store.duckdb"
    with Store(path) as store:
        write_cases(store, cases)
    return path, cases


@pytest.fixture(scope="module")
def seed_tables(seed_store) -> tuple[list[ComputedTable], list[Case]]:
    path, cases = seed_store
    with Store(path, read_only=True) as store:
        source = Source.from_store(store)
        return [compute_table(spec, source) for spec in load_tables(SEED)], cases


def test_unit_cells_group_to_the_interior_counts(seed_store, seed_tables) -> None:
    tables, _ = seed_tables
    with Store(seed_store[0], read_only=True) as store:
        for table in tables:
            units = unit_cells(table.spec, store).to_pandas()
            kinds = [d.kind for d in table.spec.dimensions]
            assert not units.duplicated(subset=list(UNIT_KEYS[table.spec.counting_unit])).any()
            grouped = units.groupby(kinds).size().to_dict()
            for cell in table.cells():
                if not cell.is_total:
                    key = cell.row + cell.column
                    assert grouped.get(key if len(key) > 1 else key[0], 0) == cell.value
            assert len(units) == table.grand_total


def test_every_cell_of_the_six_tables(seed_tables) -> None:
    tables, cases = seed_tables
    units = independent_units(cases)
    checked = {t.id: check_every_cell(t, units[t.id]) for t in tables}
    # Table 1: 2 periods x 3 suspect sexes (+ Total row) x 3 victim sexes (+ Total column).
    assert checked == {
        "table_1": 28,
        "table_2": 124,
        "table_3": 10,
        "table_4": 112,
        "table_5": 120,
        "table_6": 132,
    }
    assert all(t.grand_total > 0 for t in tables)


def test_table_3_lists_every_year_from_2015_with_2015_counted_with_2016(seed_tables) -> None:
    tables, _ = seed_tables
    table_3 = tables[2]
    years = [str(y) for y in range(2017, 2025)]
    assert [r[0] for r in table_3.row_keys] == [FIRST_CCB_PERIOD, *years]
    assert table_3.display_frame().columns.tolist() == [
        "Calendar year",
        "Number of crimes (offences recorded)",
    ]
