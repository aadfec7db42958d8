"""Benchmark: generating and storing synthetic London, at scale 1 and scale 10.

For each scale it times the three steps of ``foidesk synth`` separately: generating the
Arrow tables, hashing them (the snapshot id) and writing the snapshot into DuckDB. Two
baselines are measured in the same run, on the same machine and the same tables:

* storage floor: DuckDB's own ``CREATE TABLE ... AS SELECT`` of the same Arrow tables into
  a fresh file, with no hashing and no transaction; ``write_snapshot`` is compared to it;
* linearity: the scale-10 time divided by the scale-1 time, next to the ratio of rows.

It also reports the CPU time of each run (all threads, DuckDB's included): on a busy
machine the wall-clock times mostly measure the other processes.

    .venv/bin/python benchmarks/synth.py            # scales 1 and 10
    .venv/bin/python benchmarks/synth.py --scales 0.5,5
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import duckdb
import pyarrow as pa

from foidesk.records.reference import load_reference
from foidesk.records.schema import REJECTS
from foidesk.records.store import Store, content_hash
from foidesk.records.synth import build_tables


def measure(scale: float, seed: int, workdir: Path) -> dict[str, float]:
    cpu_started = time.process_time()
    started = time.perf_counter()
    tables = build_tables(scale=scale, seed=seed)
    generated = time.perf_counter()
    tables.update(load_reference())
    rows = sum(t.num_rows for t in tables.values())

    hash_start = time.perf_counter()
    content_hash({**tables, "rejects": _empty_rejects()})
    hashed = time.perf_counter() - hash_start

    store_start = time.perf_counter()
    with Store(workdir / f"store_{scale:g}.duckdb") as store:
        store.write_snapshot(tables, kind="synthetic", provenance={"benchmark": True})
    stored = time.perf_counter()
    cpu = time.process_time() - cpu_started  # all threads, including DuckDB's

    floor_start = time.perf_counter()
    con = duckdb.connect(str(workdir / f"floor_{scale:g}.duckdb"))
    for name, table in tables.items():
        con.register("incoming", table)
        con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM incoming')
        con.unregister("incoming")
    con.close()
    floor = time.perf_counter() - floor_start
    return {
        "scale": scale,
        "crimes": tables["crimes"].num_rows,
        "rows": rows,
        "generate": generated - started,
        "hash": hashed,
        "store": stored - store_start,
        "total": (generated - started) + (stored - store_start),
        "cpu": cpu,
        "floor": floor,
    }


def _empty_rejects() -> pa.Table:
    return REJECTS.arrow_schema.empty_table()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10", help="Comma-separated scales (first = base).")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    scales = [float(s) for s in args.scales.split(",")]
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
    results = []
    with tempfile.TemporaryDirectory() as workdir:
        for scale in scales:
            results.append(measure(scale, args.seed, Path(workdir)))
    header = (
        f"{'scale':>6} {'crimes':>11} {'all rows':>11} {'generate s':>10} {'hash s':>7} "
        f"{'store s':>8} {'total s':>8} {'cpu s':>7} {'rows/s':>11} {'floor s':>8} "
        f"{'store/floor':>11}"
    )
    print(header)
    for r in results:
        print(
            f"{r['scale']:>6g} {r['crimes']:>11,} {r['rows']:>11,} {r['generate']:>10.1f} "
            f"{r['hash']:>7.1f} {r['store']:>8.1f} {r['total']:>8.1f} {r['cpu']:>7.1f} "
            f"{r['rows'] / r['total']:>11,.0f} {r['floor']:>8.1f} {r['store'] / r['floor']:>11.2f}"
        )
    base = results[0]
    for r in results[1:]:
        print(
            f"scale {r['scale']:g} vs {base['scale']:g}: rows x{r['rows'] / base['rows']:.2f}, "
            f"time x{r['total'] / base['total']:.2f} (linear would be the same ratio)"
        )
        verdict = "under" if r["total"] < 60 else "OVER"
        print(
            f"scale {r['scale']:g} generates and stores in {r['total']:.1f} s: {verdict} a minute"
        )
        # On a busy machine the wall time measures the neighbours too; the CPU time spread
        # over the cores is what the work itself needs (a lower bound for an idle machine).
        cores = os.cpu_count() or 1
        print(
            f"scale {r['scale']:g} uses {r['cpu']:.1f} CPU s: at least "
            f"{r['cpu'] / cores:.1f} s on {cores} idle cores"
        )


if __name__ == "__main__":
    main()
