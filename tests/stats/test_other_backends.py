"""The same compiled specification runs on PostgreSQL as on DuckDB (Spark: test_spark.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import ibis
import pytest

from foidesk.records.store import Store
from foidesk.settings import SETTINGS_ENV
from foidesk.stats.cases import Case, case_tables, write_cases
from foidesk.stats.compiler import Source, compute_table
from foidesk.stats.specs import load_tables, parse_table

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "examples" / "requests" / "01.FOI.24.035331.yaml"

CASES = [
    Case(date(2023, 2, 1), victims=("F", "M"), suspects=("M",), pairs=((0, 0, "XP"), (1, 0, "XB"))),
    Case(date(2023, 6, 1), victims=("F",), suspects=("U",), pairs=((0, 0, "XS"),), outcome="15"),
    Case(date(2021, 6, 1), offence="8/65", victims=("M",), suspects=("F",), pairs=((0, 0, "XB"),)),
    Case(date(2019, 6, 1), offence="195/94", victims=("U",), outcome="1"),
    Case(date(2018, 1, 4), victims=("F",), suspects=("M",), pairs=((0, 0, "SP"),), outcome="16"),
]


# Crimes of three forces (one force not recorded) for a by-force table.
FORCE_CASES = [
    Case(date(2022, 3, 1), force="Kent"),
    Case(date(2022, 5, 1), force="Kent"),
    Case(date(2023, 5, 1), force="Kent"),
    Case(date(2023, 6, 1), force="Dyfed-Powys"),
    Case(date(2023, 7, 1), force=None),
    Case(date(2022, 8, 1)),  # the Case default: Metropolitan Police Service
]
BY_FORCE = parse_table(
    {
        "id": "by_force",
        "title": "Crimes by force and year",
        "counting_unit": "crime",
        "rows": ["force"],
        "columns": [{"period": {"unit": "year", "from": "2022-01-01", "to": "2023-12-31"}}],
    },
    "test",
    0,
)
BY_FORCE_ROWS = {
    ("Dyfed-Powys",): [0, 1, 1],
    ("Kent",): [2, 1, 3],
    ("Metropolitan Police Service",): [1, 0, 1],
    ("Not recorded",): [0, 1, 1],
    ("Total",): [3, 3, 6],
}


def by_force_rows(source: Source) -> dict[tuple[str, ...], list[int]]:
    """Each row of the by-force table with its 2022, 2023 and Total cells."""
    rows: dict[tuple[str, ...], list[int]] = {}
    for cell in compute_table(BY_FORCE, source).cells():
        rows.setdefault(cell.row, []).append(cell.value)
    return rows


def test_a_by_force_table_on_duckdb(tmp_path: Path) -> None:
    with Store(tmp_path / "store.duckdb") as store:
        write_cases(store, FORCE_CASES)
        assert by_force_rows(Source.from_store(store)) == BY_FORCE_ROWS


def test_a_snapshot_older_than_the_force_column_is_one_force(tmp_path: Path) -> None:
    with Store(tmp_path / "store.duckdb") as store:
        snap = store.write_snapshot(
            case_tables(FORCE_CASES), kind="cases", provenance={"force": "Northshire Police"}
        )
        # As a store written before crimes had a force column holds it.
        store.con.execute(f'ALTER TABLE "{snap.schema}".crimes DROP COLUMN force')
        rows = by_force_rows(Source.from_store(store, snap))
    assert rows == {
        ("Northshire Police",): [3, 3, 6],
        ("Not recorded",): [0, 0, 0],
        ("Total",): [3, 3, 6],
    }


def test_an_old_snapshot_without_a_force_takes_the_settings_force(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store(tmp_path / "store.duckdb") as store:
        snap = store.write_snapshot(case_tables(FORCE_CASES), kind="cases", provenance={})
        store.con.execute(f'ALTER TABLE "{snap.schema}".crimes DROP COLUMN force')
        monkeypatch.delenv(SETTINGS_ENV)  # no settings file: the force is not recorded
        assert by_force_rows(Source.from_store(store, snap))[("Not recorded",)] == [3, 3, 6]
        monkeypatch.setenv(SETTINGS_ENV, str(ROOT / "examples" / "settings" / "met.yaml"))
        rows = by_force_rows(Source.from_store(store, snap))
    assert rows[("Metropolitan Police Service",)] == [3, 3, 6]


@pytest.mark.postgres
def test_seed_tables_on_postgresql_match_duckdb(tmp_path: Path, postgres_url: str) -> None:
    with Store(tmp_path / "store.duckdb") as store:
        snap = write_cases(store, CASES)
        duck = Source.from_store(store, snap)
        pg = ibis.connect(postgres_url.replace("postgresql+psycopg", "postgres"))
        try:
            for name, table in duck.tables.items():
                pg.create_table(name, table.to_pyarrow())
            postgres = Source.from_backend(pg)
            for spec in load_tables(SEED):
                on_duckdb = compute_table(spec, duck)
                on_postgres = compute_table(spec, postgres)
                assert on_postgres.row_keys == on_duckdb.row_keys
                assert on_postgres.counts.tolist() == on_duckdb.counts.tolist(), spec.id
            assert compute_table(load_tables(SEED)[3], postgres).grand_total == 4  # CCB pairs
        finally:
            pg.disconnect()


@pytest.mark.postgres
def test_a_by_force_table_on_postgresql(tmp_path: Path, postgres_url: str) -> None:
    with Store(tmp_path / "store.duckdb") as store:
        write_cases(store, FORCE_CASES)
        duck = Source.from_store(store)
        pg = ibis.connect(postgres_url.replace("postgresql+psycopg", "postgres"))
        try:
            for name, table in duck.tables.items():
                pg.create_table(name, table.to_pyarrow())
            assert by_force_rows(Source.from_backend(pg)) == BY_FORCE_ROWS
        finally:
            pg.disconnect()
