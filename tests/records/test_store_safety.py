"""The store names its current snapshot, refuses broken snapshots, and says clearly why it
cannot be opened or written: locked, not a store, disk full."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from foidesk.answers.answer import answer
from foidesk.cli import app
from foidesk.records.export import export
from foidesk.records.ingest import load
from foidesk.records.reference import load_reference
from foidesk.records.schema import (
    CRIMES,
    OUTCOMES,
    RECORD_TABLES,
    REJECTS,
    RELATIONSHIPS,
    SUSPECTS,
    VICTIMS,
)
from foidesk.records.store import SNAPSHOT_TABLES, SnapshotInvariantError, Store, StoreError
from foidesk.records.synth import build_tables, generate

from .conftest import MAPPINGS, ROOT

POLICE_UK = MAPPINGS / "police_uk_city_of_london.yaml"
SEED = ROOT / "examples" / "requests" / "01.FOI.24.035331.yaml"


def test_reloading_stored_content_says_so_and_makes_it_current(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    first = load(POLICE_UK, db).snapshot
    synthetic = generate(db, scale=0.01, years=(2015, 2024))
    with Store(db, read_only=True) as store:
        assert store.current().snapshot_id == synthetic.snapshot_id

    runner = CliRunner()
    again = runner.invoke(app, ["load", str(POLICE_UK), "--store", str(db)])

    assert again.exit_code == 0, again.output
    assert f"already stored as {first.snapshot_id}; now current" in again.output
    with Store(db, read_only=True) as store:
        assert [s.snapshot_id for s in store.snapshots()] == [
            first.snapshot_id,
            synthetic.snapshot_id,
        ]
        assert store.snapshot().snapshot_id == first.snapshot_id
        assert store.relation("crimes") == f'"{first.schema}"."crimes"'
    listed = runner.invoke(app, ["snapshots", "--store", str(db)])
    marked = [line for line in listed.output.splitlines() if "*" in line]
    assert len(marked) == 1 and first.snapshot_id[:12] in marked[0]
    written = export(db, tmp_path / "parquet")
    assert json.loads(written[-1].read_text())["snapshot_id"] == first.snapshot_id


def test_snapshots_use_chooses_what_an_unpinned_answer_runs_on(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    synthetic = generate(db, scale=0.01, years=(2015, 2024))
    load(POLICE_UK, db)

    runner = CliRunner()
    chosen = runner.invoke(app, ["snapshots", "use", synthetic.snapshot_id[:8], "--store", str(db)])
    assert chosen.exit_code == 0, chosen.output
    assert f"snapshot {synthetic.snapshot_id} is now current" in chosen.output

    manifest = answer(SEED, db, tmp_path / "answer").manifest
    assert manifest.snapshot.id == synthetic.snapshot_id
    assert manifest.snapshot.chosen == "current in the store"
    # Synthetic London has CCB: the unpinned answer's first table is not all zeros.
    with (tmp_path / "answer" / "table_1.csv").open() as handle:
        digits = [c for c in handle.read() if c.isdigit() and c != "0"]
    assert digits
    unknown = runner.invoke(app, ["snapshots", "use", "ffffffff", "--store", str(db)])
    assert unknown.exit_code == 2 and "no snapshot matches 'ffffffff'" in unknown.output


def test_an_older_stores_current_snapshot_is_its_newest(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    generate(db, scale=0.01, years=(2024, 2024))
    newest = load(POLICE_UK, db).snapshot
    with Store(db) as store:
        store.use(store.snapshots()[0].snapshot_id)
    with duckdb.connect(str(db)) as con:  # the store as it was before current existed
        con.execute("DROP TABLE main.current_snapshot")

    with Store(db, read_only=True) as store:
        assert store.current().snapshot_id == newest.snapshot_id


def small_tables() -> dict[str, pa.Table]:
    tables = {t.name: t.arrow_schema.empty_table() for t in RECORD_TABLES}
    tables.update(load_reference())
    tables[CRIMES.name] = pa.table(
        {
            "crime_id": [1, 2],
            "crime_ref": ["A", "B"],
            "incident_ref": [None, None],
            "recorded_date": pa.array([19000, 19001], pa.int32()).cast(pa.date32()),
            "committed_from": pa.nulls(2, pa.date32()),
            "committed_to": pa.nulls(2, pa.date32()),
            "offence_scheme": ["HO", "HO"],
            "offence_code": ["8/67", "8/67"],
            "domestic_abuse": [True, True],
            "area": [None, None],
            "source": ["t", "t"],
        }
    )
    tables[OUTCOMES.name] = pa.table(
        {"crime_id": [1, 2], "outcome_code": [None, None], "outcome_date": pa.nulls(2, pa.date32())}
    )
    return tables


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (
            lambda t: t.update(
                {
                    VICTIMS.name: pa.table(
                        {"victim_id": [1], "crime_id": [3], "sex": ["F"], "age": [30]}
                    )
                }
            ),
            r"victims: 1 row\(s\) refer to no crimes row, e.g. \(crime_id\) = \(3,\)",
        ),
        (
            lambda t: t.update(
                {
                    OUTCOMES.name: pa.table(
                        {
                            "crime_id": [1, 2, 2],
                            "outcome_code": [None, "1", "18"],
                            "outcome_date": pa.nulls(3, pa.date32()),
                        }
                    )
                }
            ),
            r"outcomes: key \(crime_id\) = \(2,\) is held by 2 rows",
        ),
        (
            lambda t: t.update(
                {
                    VICTIMS.name: pa.table(
                        {"victim_id": [1], "crime_id": [1], "sex": ["F"], "age": [30]}
                    ),
                    SUSPECTS.name: pa.table(
                        {"suspect_id": [1], "crime_id": [2], "sex": ["M"], "age": [30]}
                    ),
                    RELATIONSHIPS.name: pa.table(
                        {
                            "crime_id": [1],
                            "victim_id": [1],
                            "suspect_id": [1],
                            "how_known_scheme": ["ILLUSTRATIVE"],
                            "how_known": ["XP"],
                        }
                    ),
                }
            ),
            r"relationships: 1 row\(s\) refer to no suspects row, e\.g\. "
            r"\(suspect_id, crime_id\) = \(1, 1\)",
        ),
    ],
)
def test_a_snapshot_breaking_a_key_or_reference_is_never_written(
    tmp_path: Path, spoil, message: str
) -> None:
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        good = store.write_snapshot(small_tables(), kind="test", provenance={})
        tables = small_tables()
        spoil(tables)
        for name in ("victims", "suspects"):
            if "age_band" not in tables[name].column_names:
                tables[name] = tables[name].append_column(
                    "age_band", pa.nulls(tables[name].num_rows, pa.string())
                )
        with pytest.raises(SnapshotInvariantError, match=message):
            store.write_snapshot(tables, kind="test", provenance={})
        assert [s.snapshot_id for s in store.snapshots()] == [good.snapshot_id]
        assert store.current().snapshot_id == good.snapshot_id
        schemas = store.con.sql(
            "SELECT count(*) FROM information_schema.schemata WHERE schema_name LIKE 'snapshot_%'"
        ).fetchall()
        assert schemas == [(1,)]


def test_a_store_another_process_writes_says_so(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    generate(db, scale=0.01, years=(2024, 2024))
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, duckdb; con = duckdb.connect(sys.argv[1]); print('ready', flush=True); "
            "sys.stdin.read()",
            str(db),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(StoreError, match=rf"another foidesk process \(process {holder.pid}\)"):
            Store(db)
        result = CliRunner().invoke(app, ["load", str(POLICE_UK), "--store", str(db)])
        assert result.exit_code == 2
        assert "is writing to this store; wait for it to finish" in " ".join(result.output.split())
        assert "Traceback" not in result.output
        listed = CliRunner().invoke(app, ["snapshots", "--store", str(db)])
        assert listed.exit_code == 2 and "another foidesk process" in listed.output
    finally:
        holder.communicate("")
    with Store(db, read_only=True) as store:
        assert len(store.snapshots()) == 1


@pytest.mark.parametrize(
    "content", [b"Crime ID,Month\nabc,2016-01\n", b"DUCK" * 4096, b"\x00" * 20000]
)
def test_a_file_that_is_not_a_store_says_so(tmp_path: Path, content: bytes) -> None:
    db = tmp_path / "s.duckdb"
    db.write_bytes(content)
    with pytest.raises(StoreError, match=r"not a foidesk store"):
        Store(db, read_only=True)
    for command in (["summary", "--store", str(db)], ["load", str(POLICE_UK), "--store", str(db)]):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 2, result.output
        assert "not a foidesk store" in " ".join(result.output.split())
    assert db.read_bytes() == content


def test_a_damaged_store_says_so(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    generate(db, scale=0.01, years=(2024, 2024))
    data = bytearray(db.read_bytes())
    data[4096 : len(data)] = b"\xff" * (len(data) - 4096)  # headers kept, blocks spoiled
    db.write_bytes(bytes(data))
    with (
        pytest.raises(StoreError, match=r"not a foidesk store|damaged"),
        Store(db, read_only=True) as store,
    ):
        store.snapshots()


DISK_FULL = textwrap.dedent(
    """
    import shutil, sys
    from pathlib import Path
    from foidesk.records.ingest import load
    from foidesk.records.store import Store, StoreError
    from foidesk.records.synth import generate

    mount, mapping = Path(sys.argv[1]), sys.argv[2]
    first = load(mapping, mount / "s.duckdb").snapshot
    free = shutil.disk_usage(mount).free
    (mount / "filler").write_bytes(b"x" * (free - 64 * 1024))
    try:
        generate(mount / "s.duckdb", scale=0.02, years=(2024, 2024))
    except StoreError as exc:
        print("ERROR", exc)
    (mount / "filler").unlink()
    with Store(mount / "s.duckdb", read_only=True) as store:
        print("SNAPSHOTS", [s.snapshot_id for s in store.snapshots()] == [first.snapshot_id])
        print("CURRENT", store.current().snapshot_id == first.snapshot_id)
    """
)


def test_a_full_disk_says_no_space_left_and_keeps_the_store(tmp_path: Path) -> None:
    if shutil.which("unshare") is None:
        pytest.fail("unshare (util-linux) is needed to mount a small file system")
    mount = tmp_path / "small"
    mount.mkdir()
    script = tmp_path / "disk_full.py"
    script.write_text(DISK_FULL)
    # A private mount namespace: a 24 MB file system only this process tree sees.
    shell = (
        f"mount -t tmpfs -o size=24m tmpfs {mount} && {sys.executable} {script} {mount} {POLICE_UK}"
    )
    root = ["unshare", "-m"] if os.geteuid() == 0 else ["unshare", "-r", "-m"]
    run = subprocess.run([*root, "sh", "-c", shell], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "ERROR" in run.stdout and "no space left on the device" in run.stdout, run.stdout
    assert "cannot rollback" not in run.stdout
    assert "SNAPSHOTS True" in run.stdout and "CURRENT True" in run.stdout


def _held(tables: dict[str, pa.Table], order: str) -> duckdb.DuckDBPyConnection:
    """The tables held in an in-memory DuckDB database, rows in ``order``."""
    con = duckdb.connect()
    for name, table in tables.items():
        con.register("_t", table)
        con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM _t ORDER BY {order}')
        con.unregister("_t")
    return con


def test_tables_streamed_in_or_out_of_key_order_get_the_id_of_the_same_tables_in_memory(
    tmp_path: Path,
) -> None:
    tables = {**build_tables(scale=0.01, years=(2023, 2024)), **load_reference()}
    with Store(tmp_path / "memory.duckdb") as store:
        whole = store.write_snapshot(tables, kind="synthetic", provenance={})
    names = {t.name: t.name for t in SNAPSHOT_TABLES}
    # As generated (key order: streamed as held) and shuffled (sorted before hashing).
    for order in ("ALL", "hash(COLUMNS(*)) DESC"):
        source = _held({**tables, "rejects": REJECTS.arrow_schema.empty_table()}, order)
        with Store(tmp_path / f"{len(order)}.duckdb") as store:
            streamed = store.write_snapshot_from(source, names, kind="synthetic", provenance={})
            victims = store.con.sql(
                f"SELECT victim_id FROM {store.relation('victims')}"
            ).fetchnumpy()["victim_id"]
        assert streamed.snapshot_id == whole.snapshot_id, order
        assert streamed.row_counts == whole.row_counts
        # Either way the store holds the rows in key order.
        assert (victims[1:] > victims[:-1]).all()


def test_a_repeated_key_held_in_ascending_order_is_still_refused(tmp_path: Path) -> None:
    tables = {**build_tables(scale=0.01, years=(2024, 2024)), **load_reference()}
    victims = tables[VICTIMS.name]
    # The second victim takes the first one's id: still ascending, no longer unique.
    ids = victims["victim_id"].to_numpy().copy()
    ids[1] = ids[0]
    tables[VICTIMS.name] = victims.set_column(0, "victim_id", pa.array(ids))
    source = _held({**tables, "rejects": REJECTS.arrow_schema.empty_table()}, "ALL")
    with Store(tmp_path / "s.duckdb") as store:
        with pytest.raises(SnapshotInvariantError, match=r"victims: key \(victim_id\) = \(1,\)"):
            store.write_snapshot_from(
                source, {t.name: t.name for t in SNAPSHOT_TABLES}, kind="synthetic", provenance={}
            )
        assert store.snapshots() == []
