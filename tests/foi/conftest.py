"""A tiny crime-record store for the FOI tests: five crimes around the seed's s12 period."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest

from foidesk.records.reference import load_reference
from foidesk.records.schema import RECORD_TABLES
from foidesk.records.store import Store


@pytest.fixture
def crime_store(tmp_path: Path) -> Path:
    """Six crimes: four domestic abuse crimes of 2023 (two of them CCB recorded from 5 April
    on), one CCB of 2024, and one stalking crime of 2023 not flagged as domestic abuse."""
    crimes = pa.table(
        {
            "crime_id": [1, 2, 3, 4, 5, 6],
            "crime_ref": ["C1", "C2", "C3", "C4", "C5", "C6"],
            "recorded_date": [
                date(2023, 4, 4),  # CCB, the day before the period
                date(2023, 4, 5),  # CCB, first day
                date(2023, 12, 31),  # CCB, last day
                date(2023, 6, 1),  # stalking: another group
                date(2024, 1, 1),  # CCB, after the period
                date(2023, 7, 1),  # stalking, not flagged as domestic abuse
            ],
            "incident_ref": pa.nulls(6, pa.string()),
            "committed_from": pa.nulls(6, pa.date32()),
            "committed_to": pa.nulls(6, pa.date32()),
            "offence_scheme": ["HO"] * 6,
            "offence_code": ["8/67", "8/67", "8/67", "8/65", "8/67", "8/65"],
            "domestic_abuse": [True] * 5 + [False],
            "area": pa.nulls(6, pa.string()),
            "source": ["test"] * 6,
            "force": ["Metropolitan Police Service"] * 6,
        }
    )
    tables = {t.name: t.arrow_schema.empty_table() for t in RECORD_TABLES}
    tables["crimes"] = crimes
    tables.update(load_reference())
    path = tmp_path / "store.duckdb"
    with Store(path) as store:
        store.write_snapshot(tables, kind="test", provenance={"test": True})
    return path
