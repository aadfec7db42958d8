"""The rounding policy on computed tables: every figure rounded on its own, nothing else kept."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from foidesk.answers.csv_files import write_csv
from foidesk.records.store import Store
from foidesk.stats.cases import Case, write_cases
from foidesk.stats.compiler import Source, compute_table
from foidesk.stats.linkage import RoundedTable, apply_disclosure_control
from foidesk.stats.specs import parse_table

# Victims by year and sex: 2022 has 2 women and 13 men, 2023 has 7 women and 8 men.
VICTIMS = {(2022, "F"): 2, (2022, "M"): 13, (2023, "F"): 7, (2023, "M"): 8}

SPEC = parse_table(
    {
        "id": "by_sex",
        "title": "Victims by year and sex",
        "counting_unit": "victim",
        "rows": [{"period": {"unit": "year", "from": "2022-01-01", "to": "2023-12-31"}}],
        "columns": ["victim_sex"],
    },
    "test.yaml",
    0,
)


def test_rounding_rounds_totals_on_their_own_and_keeps_no_true_figure(tmp_path: Path) -> None:
    with Store(tmp_path / "store.duckdb") as store:
        write_cases(
            store,
            [
                Case(date(year, 5, 1), victims=(sex,))
                for (year, sex), n in VICTIMS.items()
                for _ in range(n)
            ],
        )
        table = compute_table(SPEC, Source.from_store(store))
        (rounded,), report = apply_disclosure_control(
            [table], {"method": "round", "rounding_base": 5}, store=store
        )
    assert isinstance(rounded, RoundedTable)
    shown = {(c.row, c.column): c.value for c in rounded.cells()}
    assert shown[(("2022",), ("Female",))] == 0
    assert shown[(("2022",), ("Male",))] == 15
    assert shown[(("2022",), ("Total",))] == 15
    assert shown[(("2023",), ("Female",))] == 5
    assert shown[(("Total",), ("Female",))] == 10  # 9, rounded on its own (not 0 + 5)
    assert shown[(("Total",), ("Total",))] == 30
    assert rounded.grand_total == 30
    assert 2 not in rounded.counts and 13 not in rounded.counts
    assert report["method"] == "round" and "may not equal" in report["note"]
    text = write_csv(tmp_path / "by_sex.csv", rounded).read_text()
    assert "2022,0,15,0,15" in text
