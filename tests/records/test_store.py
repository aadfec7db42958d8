"""Snapshots are atomic and content-addressed; the Parquet export has the documented columns."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.dataset as ds
import pyarrow.parquet as pq
from typer.testing import CliRunner

from foidesk.cli import app
from foidesk.records.export import export
from foidesk.records.ingest import load
from foidesk.records.schema import ALL_TABLES, RECORD_TABLES, REJECTS
from foidesk.records.store import Store
from foidesk.records.synth import generate

from .conftest import MAPPINGS


def test_a_write_killed_midway_leaves_the_previous_snapshot_intact(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    first = generate(db, scale=0.01, years=(2024, 2024))
    size = db.stat().st_size
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from foidesk.records.synth import generate; "
            "generate(sys.argv[1], scale=0.6)",
            str(db),
        ]
    )
    # DuckDB writes a large transaction's blocks into the file before it commits: kill the
    # writer once the file has grown, i.e. with the new snapshot half written.
    deadline = time.monotonic() + 120
    while db.stat().st_size < size + 8_000_000 and time.monotonic() < deadline:
        assert writer.poll() is None, "the writer finished before it could be interrupted"
        time.sleep(0.005)
    writer.kill()
    writer.wait()

    with Store(db, read_only=True) as store:
        assert [s.snapshot_id for s in store.snapshots()] == [first.snapshot_id]
        schemas = store.con.sql(
            "SELECT schema_name FROM information_schema.schemata "
            "WHERE schema_name LIKE 'snapshot_%'"
        ).fetchall()
        assert schemas == [(first.schema,)]
        crimes = store.con.sql(f"SELECT count(*) FROM {store.relation('crimes')}").fetchall()
        assert crimes[0][0] == first.row_counts["crimes"]


def test_export_writes_every_table_with_the_schema_columns(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    generate(db, scale=0.01, years=(2023, 2024))
    snap = load(MAPPINGS / "nibrs_dc.yaml", db).snapshot

    written = export(db, tmp_path / "out")

    record_tables = {t.name for t in RECORD_TABLES}
    assert [p.name for p in written] == [
        t.name if t.name in record_tables else f"{t.name}.parquet" for t in ALL_TABLES + (REJECTS,)
    ] + ["snapshot.json"]
    for spec in ALL_TABLES + (REJECTS,):
        if spec.name in record_tables:
            # Read back by pyarrow, following the Hive partitions by year and force.
            table = ds.dataset(tmp_path / "out" / spec.name, partitioning="hive").to_table()
            extra = ["year"] + (["force"] if spec.name != "crimes" else [])
            table = table.select(spec.column_names)
            assert sorted(
                ds.dataset(tmp_path / "out" / spec.name, partitioning="hive").schema.names
            ) == sorted(spec.column_names + extra), spec.name
            table = table.cast(spec.arrow_schema)
        else:
            table = pq.read_table(tmp_path / "out" / f"{spec.name}.parquet")
            assert table.column_names == spec.column_names, spec.name
            assert table.schema.types == spec.arrow_schema.types, spec.name
        assert table.num_rows == snap.row_counts[spec.name], spec.name
    crimes = tmp_path / "out" / "crimes"
    assert sorted(p.name for p in crimes.iterdir()) == ["year=2018", "year=2019", "year=2020"]
    assert [p.name for p in (crimes / "year=2019").iterdir()] == [
        "force=Metro%20Transit%20Police%2C%20District%20of%20Columbia"
    ]
    pairs = ds.dataset(tmp_path / "out" / "relationships", partitioning="hive").to_table()
    assert set(pairs["how_known_scheme"].to_pylist()) == {"NIBRS"}
    assert set(pairs["force"].to_pylist()) == {"Metro Transit Police, District of Columbia"}
    manifest = json.loads((tmp_path / "out" / "snapshot.json").read_text())
    assert manifest["snapshot_id"] == snap.snapshot_id
    assert manifest["provenance"]["mapping"]["file"] == "nibrs_dc.yaml"


def test_export_of_an_earlier_snapshot_by_prefix(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    synthetic = generate(db, scale=0.01, years=(2024, 2024))
    load(MAPPINGS / "police_uk_city_of_london.yaml", db)
    export(db, tmp_path / "out", snapshot_id=synthetic.snapshot_id[:10])
    crimes = ds.dataset(tmp_path / "out" / "crimes", partitioning="hive").to_table()
    assert crimes.num_rows == synthetic.row_counts["crimes"]
    assert set(crimes.column("offence_scheme").to_pylist()) == {"HO"}
    assert set(crimes.column("force").to_pylist()) == {"Metropolitan Police Service"}


def test_cli_synth_load_snapshots_and_export(tmp_path: Path) -> None:
    runner = CliRunner()
    db = str(tmp_path / "s.duckdb")
    made = runner.invoke(app, ["synth", "--scale", "0.01", "--years", "2023-2024", "--store", db])
    assert made.exit_code == 0, made.output
    assert "2024" in made.output and "flagged" in made.output

    loaded = runner.invoke(
        app, ["load", str(MAPPINGS / "police_uk_city_of_london.yaml"), "--store", db]
    )
    assert loaded.exit_code == 0, loaded.output
    assert "anti-social behaviour" in loaded.output

    listed = runner.invoke(app, ["snapshots", "--store", db])
    assert listed.exit_code == 0
    assert "synthetic" in listed.output and "load" in listed.output

    broken = runner.invoke(app, ["load", str(tmp_path / "missing.yaml"), "--store", db])
    assert broken.exit_code == 2
    assert "mapping file not found" in broken.output

    exported = runner.invoke(app, ["export", "--store", db, "--out", str(tmp_path / "out")])
    assert exported.exit_code == 0
    assert (tmp_path / "out" / "outcome_types.parquet").exists()
