"""Benchmark: loading data.police.uk-layout extracts of 10 MB, 100 MB and 1 GB.

For each size the script writes a synthetic extract in the data.police.uk layout (twelve
monthly street files, about a fifth of their rows anti-social behaviour with no Crime ID,
and twelve outcome files with events for about half the crimes), then measures, each in
a process of its own so that its peak memory is its own:

* ``foidesk load`` (``foidesk.records.ingest.load``) with the shipped City of London
  mapping, into a fresh store;
* the floor: DuckDB reading the same CSV files into two tables (``read_csv``, every
  column as text) in a fresh database file, with the same memory limit and threads.

It prints rows per second, CPU time (all threads) and peak resident memory (the
process's maximum RSS) for both, the ratios, and how each grows with the extract. On a
busy machine wall-clock times mostly measure the other processes; CPU times less so.
Targets: peak RSS under 1 GB at every size, time at most 3x the floor, time growing
linearly with the rows.

    .venv/bin/python benchmarks/load.py                   # 10 MB, 100 MB and 1 GB
    .venv/bin/python benchmarks/load.py --sizes 10,100    # sizes in MB
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import yaml

ROOT = Path(__file__).resolve().parents[1]
MAPPING = ROOT / "examples" / "mappings" / "police_uk_city_of_london.yaml"
STREET_COLUMNS = [
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
]
STREET_ROW_BYTES = 250  # about the size of a data.police.uk street row
_HEX = np.frombuffer(b"".join(f"{i:02x}".encode() for i in range(256)), dtype="S2")


def crime_ids(rng: np.random.Generator, n: int) -> pa.Array:
    """``n`` random 64-hex-digit crime IDs, as data.police.uk publishes them."""
    digits = np.ascontiguousarray(_HEX[rng.integers(0, 256, size=(n, 32), dtype=np.uint8)])
    return pa.array(digits.view("S64").ravel()).cast(pa.string())


def pick(rng: np.random.Generator, values: list[str], n: int) -> pa.Array:
    return pa.DictionaryArray.from_arrays(
        pa.array(rng.integers(0, len(values), n), pa.int32()), pa.array(values)
    ).cast(pa.string())


def write_extract(folder: Path, megabytes: int, seed: int = 12) -> int:
    """Write a police.uk-layout extract of about ``megabytes`` MB; return its street rows."""
    spec = yaml.safe_load(MAPPING.read_text())
    crime_types = list(spec["tables"]["crimes"]["columns"]["offence_code"]["map"])
    outcome_types = list(spec["tables"]["outcomes"]["columns"]["outcome_code"]["map"])
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    street_rows = megabytes * 1_000_000 * 4 // 5 // STREET_ROW_BYTES  # outcomes: the rest
    per_month = street_rows // 12
    for month in range(1, 13):
        label = f"2016-{month:02d}"
        n = per_month
        ids = crime_ids(rng, n)
        antisocial = rng.random(n) < 0.2
        ids = pa.array(np.where(antisocial, None, ids.to_numpy(zero_copy_only=False)), pa.string())
        types = pick(rng, crime_types, n).to_numpy(zero_copy_only=False)
        types = np.where(antisocial, "Anti-social behaviour", types)
        lsoa = rng.integers(1, 9999, n)
        street = pa.table(
            {
                "Crime ID": ids,
                "Month": pa.repeat(pa.scalar(label), n),
                "Reported by": pa.repeat(pa.scalar("City of London Police"), n),
                "Falls within": pa.repeat(pa.scalar("City of London Police"), n),
                "Longitude": pa.array(np.round(rng.uniform(-0.12, -0.07, n), 6)).cast(pa.string()),
                "Latitude": pa.array(np.round(rng.uniform(51.50, 51.53, n), 6)).cast(pa.string()),
                "Location": pick(rng, [f"On or near Street {i}" for i in range(500)], n),
                "LSOA code": pa.array([f"E0100{i:04d}" for i in lsoa]),
                "LSOA name": pa.array([f"City of London {i:04d}A" for i in lsoa]),
                "Crime type": pa.array(types, pa.string()),
                "Last outcome category": pick(rng, outcome_types, n),
                "Context": pa.nulls(n, pa.string()),
            }
        )
        pacsv.write_csv(street, folder / f"{label}-city-of-london-street.csv")
        crimes = ids.filter(pa.array(~antisocial))
        has_outcome = rng.random(len(crimes)) < 0.5
        events = crimes.filter(pa.array(has_outcome))
        m = len(events)
        outcomes = pa.table(
            {
                "Crime ID": events,
                "Month": pa.repeat(pa.scalar(label), m),
                "Reported by": pa.repeat(pa.scalar("City of London Police"), m),
                "Falls within": pa.repeat(pa.scalar("City of London Police"), m),
                "Longitude": pa.nulls(m, pa.string()),
                "Latitude": pa.nulls(m, pa.string()),
                "Location": pa.repeat(pa.scalar("No Location"), m),
                "LSOA code": pa.nulls(m, pa.string()),
                "LSOA name": pa.nulls(m, pa.string()),
                "Outcome type": pick(rng, outcome_types, m),
            }
        )
        pacsv.write_csv(outcomes, folder / f"{label}-city-of-london-outcomes.csv")
    return per_month * 12


def run(code: str, *args: str) -> tuple[float, float, int, str]:
    """Run ``code`` in a fresh Python process; its wall time, CPU time (all threads), peak
    RSS (bytes) and output."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    output = process.stdout.read().decode() if process.stdout else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"benchmark process failed:\n{output}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024, output


LOAD = textwrap.dedent(
    """
    import sys
    from foidesk.records.ingest import load
    from foidesk.settings import CrimeStore
    mapping, db, folder, memory, threads = sys.argv[1:]
    limits = CrimeStore(memory_limit=memory, threads=int(threads))
    result = load(mapping, db, source_dir=folder, settings=limits)
    print(result.counts["crimes"].read, result.counts["crimes"].loaded)
    """
)

FLOOR = textwrap.dedent(
    """
    import sys, duckdb
    db, folder, memory, threads = sys.argv[1:]
    con = duckdb.connect(db)
    con.execute(f"SET memory_limit = '{memory}'")
    con.execute(f"SET threads = {int(threads)}")
    # As in a load: row order is not kept, which a 1 GB read needs under a small limit.
    con.execute("SET preserve_insertion_order = false")
    for name in ("street", "outcomes"):
        con.execute(
            f"CREATE TABLE {name} AS SELECT * FROM "
            f"read_csv('{folder}/*-{name}.csv', all_varchar = true, header = true)"
        )
    print(con.sql("SELECT count(*) FROM street").fetchall()[0][0])
    """
)


def measure(megabytes: int, workdir: Path, memory: str, threads: int) -> dict[str, float]:
    folder = workdir / f"extract_{megabytes}"
    rows = write_extract(folder, megabytes)
    size = sum(p.stat().st_size for p in folder.glob("*.csv"))
    all_rows = sum(sum(1 for _ in p.open("rb")) - 1 for p in folder.glob("*.csv"))
    load_time, load_cpu, load_rss, _ = run(
        LOAD,
        str(MAPPING),
        str(workdir / f"store_{megabytes}.duckdb"),
        str(folder),
        memory,
        str(threads),
    )
    print(
        f"{size / 1e6:,.0f} MB, {all_rows:,} rows: load {load_time:.1f} s "
        f"({all_rows / load_time:,.0f} rows/s), CPU {load_cpu:.1f} s, "
        f"peak RSS {load_rss / 1e6:,.0f} MB",
        flush=True,
    )
    try:
        floor_time, floor_cpu, floor_rss, _ = run(
            FLOOR, str(workdir / f"floor_{megabytes}.duckdb"), str(folder), memory, str(threads)
        )
    except RuntimeError as exc:
        # DuckDB's own CSV reader can run out of memory where the load does not.
        error = next((x for x in str(exc).splitlines() if "Error" in x), str(exc))
        print(f"floor failed: {error[:200]}", flush=True)
        floor_time = floor_cpu = floor_rss = float("nan")
    for path in folder.glob("*.csv"):
        path.unlink()
    return {
        "MB": size / 1e6,
        "street rows": rows,
        "rows": all_rows,
        "load s": load_time,
        "load rows/s": all_rows / load_time,
        "load CPU s": load_cpu,
        "load peak RSS MB": load_rss / 1e6,
        "floor s": floor_time,
        "floor rows/s": all_rows / floor_time,
        "floor CPU s": floor_cpu,
        "floor peak RSS MB": floor_rss / 1e6,
        "load / floor": load_time / floor_time,
        "load / floor, CPU": load_cpu / floor_cpu,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000", help="extract sizes in MB")
    parser.add_argument("--memory-limit", default="256MB", help="DuckDB memory limit, both")
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads, both")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
        f"memory limit {args.memory_limit}, {args.threads} threads"
    )
    results = []
    with tempfile.TemporaryDirectory(prefix="foidesk-load-bench-", dir=ROOT / "build") as work:
        for megabytes in sizes:
            result = measure(megabytes, Path(work), args.memory_limit, args.threads)
            results.append(result)
            print(
                " | ".join(
                    f"{k} {v:,.0f}" if v >= 100 else f"{k} {v:.2f}" for k, v in result.items()
                ),
                flush=True,
            )
    first = results[0]
    for result in results[1:]:
        rows = result["rows"] / first["rows"]
        print(
            f"{result['MB']:.0f} MB vs {first['MB']:.0f} MB: rows x{rows:.1f}, "
            f"load time x{result['load s'] / first['load s']:.1f} "
            f"(CPU x{result['load CPU s'] / first['load CPU s']:.1f}), "
            f"floor time x{result['floor s'] / first['floor s']:.1f}"
        )


if __name__ == "__main__":
    (ROOT / "build").mkdir(exist_ok=True)
    main()
