"""The same compiled specification runs on PostgreSQL (and compiles for Spark SQL)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import ibis
import pytest

from foidesk.records.store import Store
from foidesk.stats.cases import Case, write_cases
from foidesk.stats.compiler import Source, compile_counts, compute_table
from foidesk.stats.specs import load_tables

SEED = Path(__file__).resolve().parents[2] / "examples" / "requests" / "01.FOI.24.035331.yaml"

CASES = [
    Case(date(2023, 2, 1), victims=("F", "M"), suspects=("M",), pairs=((0, 0, "XP"), (1, 0, "XB"))),
    Case(date(2023, 6, 1), victims=("F",), suspects=("U",), pairs=((0, 0, "XS"),), outcome="15"),
    Case(date(2021, 6, 1), offence="8/65", victims=("M",), suspects=("F",), pairs=((0, 0, "XB"),)),
    Case(date(2019, 6, 1), offence="195/94", victims=("U",), outcome="1"),
    Case(date(2018, 1, 4), victims=("F",), suspects=("M",), pairs=((0, 0, "SP"),), outcome="16"),
]


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


def test_seed_tables_compile_for_spark_sql(tmp_path: Path) -> None:
    with Store(tmp_path / "store.duckdb") as store:
        write_cases(store, CASES)
        source = Source.from_store(store)
        for spec in load_tables(SEED):
            sql = ibis.to_sql(compile_counts(spec, source), dialect="pyspark")
            assert "GROUP BY" in sql and "`" in sql  # Spark quotes identifiers with backticks
