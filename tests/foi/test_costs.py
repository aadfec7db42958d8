"""s12 cost estimates: the worksheet's figures, the limit, and counts from a real store."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from foidesk.foi.costs import CostEstimate, CostItem, count_records
from foidesk.records.reference import load_reference
from foidesk.records.schema import RECORD_TABLES
from foidesk.records.store import Store


def test_the_seed_estimate_exceeds_the_police_limit() -> None:
    # 2,800 records at 3 minutes is 8,400 minutes = 140 hours = £3,500 against £450.
    estimate = CostEstimate((CostItem("extract", "read free text", 2800, Decimal(3)),))
    assert (estimate.hours, estimate.cost, estimate.limit) == (
        Decimal("140.00"),
        Decimal("3500.00"),
        Decimal("450"),
    )
    assert estimate.limit_hours == 18
    assert estimate.exceeds_limit
    paragraph = estimate.s12_paragraph()
    assert "£450, which at £25 an hour is 18 hours" in paragraph
    assert "2,800 records at 3 minutes each, 140 hours" in paragraph
    assert "SI 2004/3244" in paragraph
    # 18 hours at 3 minutes a record is 360 records.
    assert "about 360 records" in estimate.s16_advice("Ask for one year.")
    assert estimate.s16_advice("Ask for one year.").endswith("Ask for one year.")


def test_central_government_has_the_600_pound_limit() -> None:
    # 1,000 records at 1.5 minutes = 25 hours = £625: over £600 (24 hours), under nothing.
    items = (CostItem("locate", "find files", 1000, Decimal("1.5")),)
    assert CostEstimate(items, authority="central government").exceeds_limit
    assert CostEstimate(items, authority="central government").limit_hours == 24
    # 400 records at 2 minutes = 13.33 hours = £333.33: within the police limit.
    within = CostEstimate((CostItem("retrieve", "pull files", 400, Decimal(2)),))
    assert within.cost == Decimal("333.33")
    assert not within.exceeds_limit
    assert "is within the appropriate limit" in within.s12_paragraph()


def test_only_regulation_4_3_activities_count() -> None:
    with pytest.raises(ValueError, match="not one of regulation 4\\(3\\)'s"):
        CostItem("redact", "redaction is not a countable activity", 10, Decimal(5))


def _store(path: Path) -> Path:
    crimes = pa.table(
        {
            "crime_id": [1, 2, 3, 4, 5],
            "crime_ref": ["C1", "C2", "C3", "C4", "C5"],
            "recorded_date": [
                date(2023, 4, 4),  # CCB, the day before the period
                date(2023, 4, 5),  # CCB, first day
                date(2023, 12, 31),  # CCB, last day
                date(2023, 6, 1),  # stalking: another group
                date(2024, 1, 1),  # CCB, after the period
            ],
            "committed_from": pa.nulls(5, pa.date32()),
            "committed_to": pa.nulls(5, pa.date32()),
            "offence_scheme": ["HO"] * 5,
            "offence_code": ["8/67", "8/67", "8/67", "8/65", "8/67"],
            "domestic_abuse": [True] * 5,
            "area": pa.nulls(5, pa.string()),
            "source": ["test"] * 5,
        }
    )
    tables = {t.name: t.arrow_schema.empty_table() for t in RECORD_TABLES}
    tables["crimes"] = crimes
    tables.update(load_reference())
    with Store(path) as store:
        store.write_snapshot(tables, kind="test", provenance={"test": True})
    return path


def test_record_counts_come_from_the_store(tmp_path: Path) -> None:
    store = _store(tmp_path / "store.duckdb")
    period = {"recorded_from": date(2023, 4, 5), "recorded_to": date(2023, 12, 31)}
    ccb = count_records(store, offence_groups=["Controlling or coercive behaviour"], **period)
    assert ccb == 2
    both = count_records(
        store, offence_groups=["Controlling or coercive behaviour", "Stalking"], **period
    )
    assert both == 3
    with pytest.raises(ValueError, match="offence group\\(s\\) Coercion not in the store"):
        count_records(store, offence_groups=["Coercion"], **period)
