"""The same requests on Spark as on DuckDB: tables, atoms and answers, cell for cell.

Spark runs for real: a local ``local[2]`` session shared by this module's tests, and a
Spark Connect server started from the pyspark wheel for the ``sc://`` answer. The data
are three synthetic forces, exported as Parquet partitioned by year and force.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from foidesk.answers.answer import answer
from foidesk.answers.package import INTERNAL_DIR
from foidesk.records.export import export
from foidesk.records.store import Store
from foidesk.records.synth import generate
from foidesk.stats.audit import AUDIT_FILE
from foidesk.stats.compiler import Source, compute_table, unit_frame
from foidesk.stats.linkage import link_tables
from foidesk.stats.spark import parquet_source, spark_session
from foidesk.stats.specs import TableSpec, load_tables, parse_table

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "examples" / "requests" / "01.FOI.24.035331.yaml"
FORCES = "Metropolitan Police,Kent,Dyfed-Powys"

# One JVM for the module: xdist keeps these tests on one worker (--dist loadgroup).
pytestmark = pytest.mark.xdist_group(name="spark")


@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Three forces over ten years (about 3,500 crimes), in a store and exported."""
    work = tmp_path_factory.mktemp("national")
    db = work / "forces.duckdb"
    generate(db, scale=0.002, forces=FORCES)
    export(db, work / "parquet")
    return db, work / "parquet"


@pytest.fixture(scope="module")
def engines(national: tuple[Path, Path]) -> Iterator[tuple[Source, Source]]:
    """The same snapshot as a DuckDB source (the store) and a Spark source (the export)."""
    db, parquet = national
    session = spark_session()  # local[2]
    with Store(db, read_only=True) as store:
        yield Source.from_store(store), parquet_source(session, parquet)


def table_spec(table_id: str, unit: str, rows: list, columns: list, **population) -> TableSpec:
    return parse_table(
        {
            "id": table_id,
            "title": table_id,
            "counting_unit": unit,
            "rows": rows,
            "columns": columns,
            "population": population or None,
        },
        "test",
        0,
    )


# Every dimension, every option that changes the SQL, every counting unit.
EVERY_DIMENSION = [
    table_spec(
        "crimes",
        "crime",
        ["force", {"offence": {"level": "code"}}],
        [
            {
                "period": {
                    "unit": "quarter",
                    "basis": "committed",
                    "from": "2023-01-01",
                    "to": "2024-12-31",
                }
            }
        ],
    ),
    table_spec(
        "crime_outcomes",
        "crime",
        [{"outcome": {"level": "code"}}, "area"],
        [{"period": {"unit": "financial_year", "from": "2021-04-01", "to": "2024-03-31"}}],
        domestic_abuse=True,
    ),
    table_spec(
        "victims",
        "victim",
        [{"period": {"unit": "month", "from": "2024-01-01", "to": "2024-06-30"}}],
        ["victim_sex", "offence"],
    ),
    table_spec(
        "suspects",
        "suspect",
        ["outcome", "force"],
        ["suspect_sex"],
        recorded={"from": "2020-01-01"},
    ),
    table_spec(
        "pairs",
        "pair",
        [
            {
                "period": {
                    "custom": [
                        {"label": "Before", "from": "2019-01-01", "to": "2021-12-31"},
                        {"label": "After", "from": "2022-06-01", "to": "2024-12-31"},
                    ]
                }
            },
            {"how_known": {"level": "code"}},
        ],
        ["victim_sex", "suspect_sex"],
        how_known_groups=["Former intimate partner", "Current intimate partner"],
    ),
]


def cells(spec: TableSpec, source: Source) -> list[tuple]:
    return [(c.row, c.column, c.value) for c in compute_table(spec, source).cells()]


def atoms(specs: list[TableSpec], source: Source) -> list[tuple]:
    """Each cell of the linked model with its atoms and their counts."""
    tables = [compute_table(s, source) for s in specs]
    linked = link_tables(tables, {t.id: unit_frame(t.spec, source) for t in tables}).cells
    return [
        (c.id, c.value, list(c.atoms), [int(linked.atom_values[a]) for a in c.atoms])
        for c in linked.cells
    ]


def test_seed_tables_and_their_atoms_are_the_same_on_spark(
    engines: tuple[Source, Source],
) -> None:
    duckdb, spark = engines
    specs = load_tables(SEED)
    for spec in specs:
        on_duckdb = cells(spec, duckdb)
        assert cells(spec, spark) == on_duckdb, spec.id
    # The seed's crime tables in 2023 hold a few dozen crimes: counts of every size.
    assert 20 < compute_table(specs[2], duckdb).grand_total < 1000
    linked = atoms(specs, duckdb)
    assert atoms(specs, spark) == linked
    assert sum(len(a) for _, _, a, _ in linked) > 100


def test_every_dimension_and_counting_unit_is_the_same_on_spark(
    engines: tuple[Source, Source],
) -> None:
    duckdb, spark = engines
    for spec in EVERY_DIMENSION:
        on_duckdb = cells(spec, duckdb)
        assert sum(v for _, _, v in on_duckdb) > 0, spec.id
        assert cells(spec, spark) == on_duckdb, spec.id
    # The by-force rows: each force is listed, with the crimes its ONS share gives it.
    by_force = compute_table(EVERY_DIMENSION[0], spark)
    forces = {row[0] for row in by_force.row_keys}
    assert forces == {"Dyfed-Powys", "Kent", "Metropolitan Police", "Not recorded"}
    assert atoms(EVERY_DIMENSION, spark) == atoms(EVERY_DIMENSION, duckdb)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def connect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Spark Connect server, as the pyspark wheel ships it, on a free local port."""
    import pyspark

    home = Path(pyspark.__file__).parent
    port = _free_port()
    log = tmp_path_factory.mktemp("connect") / "server.log"
    env = {**os.environ, "SPARK_HOME": str(home), "PYSPARK_PYTHON": sys.executable}
    with log.open("w") as out:
        server = subprocess.Popen(
            [
                str(home / "bin" / "spark-submit"),
                "--class",
                "org.apache.spark.sql.connect.service.SparkConnectServer",
                "--master",
                "local[2]",
                "--conf",
                f"spark.connect.grpc.binding.port={port}",
                "--conf",
                "spark.ui.enabled=false",
                "--conf",
                "spark.sql.shuffle.partitions=8",
                str(next((home / "jars").glob("spark-connect_*.jar"))),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        deadline = time.monotonic() + 600  # a JVM starts slowly on a busy machine
        while True:
            assert server.poll() is None, log.read_text()[-3000:]
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert time.monotonic() < deadline, "Spark Connect did not start"
            time.sleep(1)
        yield f"sc://127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_the_seed_answer_through_spark_connect_is_the_duckdb_answer(
    national: tuple[Path, Path], connect_server: str, tmp_path: Path
) -> None:
    db, parquet = national
    answer(SEED, db, tmp_path / "duckdb")
    on_duckdb = json.loads((tmp_path / "duckdb" / "manifest.json").read_text())
    # The command line, in its own process: a Connect client cannot share a process with
    # the module's local session.
    foidesk = Path(sys.executable).parent / "foidesk"
    command = [str(foidesk), "answer", str(SEED), "--engine", "spark", "--parquet", str(parquet)]
    command += ["--spark", connect_server, "--out", str(tmp_path / "spark")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "01.FOI.24.035331: snapshot" in done.stdout
    on_spark = json.loads((tmp_path / "spark" / "manifest.json").read_text())
    assert on_spark["engine"]["name"] == "spark" and on_duckdb["engine"]["name"] == "duckdb"
    # Everything else in the manifest, every file's hash included, is the same.
    assert {**on_spark, "engine": None} == {**on_duckdb, "engine": None}
    assert on_duckdb["disclosure_control"]["cells_marked"] > 0
    assert on_spark["engine"]["version"].startswith("4.")
    for entry in on_duckdb["files"]:
        name = entry["path"]
        assert (tmp_path / "spark" / name).read_bytes() == (tmp_path / "duckdb" / name).read_bytes()
    audit_files = [
        (tmp_path / d / INTERNAL_DIR / AUDIT_FILE).read_text() for d in ("duckdb", "spark")
    ]
    assert json.loads(audit_files[0])["cells"] == json.loads(audit_files[1])["cells"]
