"""Benchmark: the seed's six tables at national scale, on DuckDB and on Spark.

For each scale (synthetic London, 1.17 million crimes at scale 1) it measures, each in its
own process so that peak memory (the process and its children, a Spark JVM included) is
its own:

* DuckDB, foidesk: the six tables, the disclosure-control atoms, then protection and the
  audit (HiGHS), each timed; beside the floor, hand-written DuckDB SQL for the same six
  tables and the same atoms (each unit's tuple of cells, grouped), with the same memory
  limit and threads;
* Spark ``local[2]`` (scales up to ``--spark-max``): foidesk's tables and atoms on the
  store's Parquet export, beside hand-written Spark SQL for the same tables and atoms on
  the same Parquet.

Protection and the audit work on the atoms alone, so they have no hand-written floor and
are the same on both engines. Prints seconds, peak RSS and the ratios, and draws time and
memory against crimes (log-log) into ``docs/scale.png``.

    .venv/bin/python benchmarks/scale.py                  # scales 1, 10 and 50
    .venv/bin/python benchmarks/scale.py --scales 1,10 --spark-max 10
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SEED = ROOT / "examples" / "requests" / "01.FOI.24.035331.yaml"
CHART = ROOT / "docs" / "scale.png"
MEMORY_LIMIT = "3GB"  # DuckDB, foidesk and floor alike
THREADS = 2
SPARK_DRIVER_MEMORY = "6g"

CCB = "'Controlling or coercive behaviour'"
HS = "'Harassment', 'Stalking'"
FORMER = "'Former intimate partner'"


def floor_sql(rel) -> dict[str, str]:
    """The six tables and their atoms as an analyst would write them, in SQL that DuckDB
    and Spark both run; ``rel(name)`` names a canonical table. Tables 1, 2 and 4 count
    pairs, 3, 5 and 6 crimes: each unit's cell in each table is computed in one pass, and
    the atoms are the units grouped by their tuple of cells."""
    pairs = f"""
        FROM {rel("relationships")} r
        JOIN {rel("crimes")} c ON c.crime_id = r.crime_id
        JOIN {rel("offence_classification")} o
          ON o.scheme = c.offence_scheme AND o.code = c.offence_code
        JOIN {rel("how_known_codes")} h ON h.scheme = r.how_known_scheme AND h.code = r.how_known
        JOIN {rel("victims")} v ON v.victim_id = r.victim_id
        JOIN {rel("suspects")} p ON p.suspect_id = r.suspect_id
        LEFT JOIN {rel("sexes")} vs ON vs.code = v.sex
        LEFT JOIN {rel("sexes")} ps ON ps.code = p.sex"""
    crimes = f"""
        FROM {rel("crimes")} c
        JOIN {rel("offence_classification")} o
          ON o.scheme = c.offence_scheme AND o.code = c.offence_code
        LEFT JOIN {rel("outcomes")} oc ON oc.crime_id = c.crime_id
        LEFT JOIN {rel("outcome_types")} t
          ON coalesce(t.code, '') = coalesce(oc.outcome_code, '')"""
    year = "year(c.recorded_date)"
    years = "c.recorded_date BETWEEN DATE '2015-01-01' AND DATE '2024-12-31'"
    ccb_years = "c.recorded_date BETWEEN DATE '2015-12-29' AND DATE '2024-12-31'"
    in_t1 = (
        f"o.offence_group = {CCB} AND h.how_known_group = {FORMER} "
        "AND c.recorded_date BETWEEN DATE '2023-01-01' AND DATE '2023-12-31'"
    )
    in_t2 = f"o.offence_group IN ({HS}) AND h.how_known_group = {FORMER} AND {years}"
    in_t4 = f"o.offence_group = {CCB} AND {ccb_years}"
    period = "CASE WHEN c.recorded_date < DATE '2023-04-05' THEN 'before' ELSE 'from' END"
    former = f"""EXISTS (SELECT 1 FROM {rel("relationships")} r
                 JOIN {rel("how_known_codes")} h
                   ON h.scheme = r.how_known_scheme AND h.code = r.how_known
                 WHERE r.crime_id = c.crime_id AND h.how_known_group = {FORMER})"""
    in_t3 = f"o.offence_group = {CCB} AND {ccb_years}"
    in_t6 = f"o.offence_group IN ({HS}) AND {years} AND {former}"
    sexes = "ps.label, vs.label"

    def cell(condition: str, *labels: str) -> str:
        return f"CASE WHEN {condition} THEN concat_ws('|', {', '.join(labels)}) END"

    by_sexes = f"{sexes}, count(*) AS n {pairs} WHERE"
    return {
        "table_1": f"SELECT {period}, {by_sexes} {in_t1} GROUP BY 1, 2, 3",
        "table_2": f"SELECT {year}, {by_sexes} {in_t2} GROUP BY 1, 2, 3",
        "table_3": f"SELECT {year}, count(*) AS n {crimes} WHERE {in_t3} GROUP BY 1",
        "table_4": f"SELECT {year}, {by_sexes} {in_t4} GROUP BY 1, 2, 3",
        "table_5": f"SELECT {year}, t.outcome_group, count(*) AS n {crimes} WHERE {in_t3} "
        "GROUP BY 1, 2",
        "table_6": f"SELECT {year}, t.outcome_group, count(*) AS n {crimes} WHERE {in_t6} "
        "GROUP BY 1, 2",
        "atoms_pairs": f"""
            SELECT a, b, d, count(*) AS n FROM (
                SELECT {cell(in_t1, period, sexes)} AS a,
                       {cell(in_t2, f"CAST({year} AS STRING)", sexes)} AS b,
                       {cell(in_t4, f"CAST({year} AS STRING)", sexes)} AS d
                {pairs} WHERE ({in_t1}) OR ({in_t2}) OR ({in_t4})) u
            GROUP BY a, b, d""",
        "atoms_crimes": f"""
            SELECT a, b, d, count(*) AS n FROM (
                SELECT {cell(in_t3, f"CAST({year} AS STRING)")} AS a,
                       {cell(in_t3, f"CAST({year} AS STRING)", "t.outcome_group")} AS b,
                       {cell(in_t6, f"CAST({year} AS STRING)", "t.outcome_group")} AS d
                {crimes} WHERE ({in_t3}) OR ({in_t6})) u
            GROUP BY a, b, d""",
    }


# -- the approaches, each run in a child process --------------------------------------------


def _foidesk(source) -> dict:
    """foidesk's own path on any source: tables, atoms, protection and audit, timed."""
    from foidesk.stats.compiler import compute_table, unit_frame
    from foidesk.stats.disclosure import DisclosurePolicy, protect
    from foidesk.stats.linkage import link_tables
    from foidesk.stats.specs import load_tables

    specs = load_tables(SEED)
    started = time.perf_counter()
    tables = [compute_table(spec, source) for spec in specs]
    tabled = time.perf_counter()
    linked = link_tables(tables, {t.id: unit_frame(t.spec, source) for t in tables})
    atoms = time.perf_counter()
    outcome = protect(linked.cells, DisclosurePolicy())
    protected = time.perf_counter()
    return {
        "tables": tabled - started,
        "atoms": atoms - tabled,
        "protection": protected - atoms,
        "total_by_table": {t.id: t.grand_total for t in tables},
        "n_atoms": linked.cells.n_atoms,
        "passed": outcome.passed,
        "suppressed": len(outcome.suppressed),
    }


def child_duckdb(db: str) -> dict:
    from foidesk.records.store import Store
    from foidesk.stats.compiler import Source

    with Store(db, read_only=True) as store:
        store.con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'; SET threads = {THREADS}")
        return _foidesk(Source.from_store(store))


def child_duckdb_sql(db: str) -> dict:
    from foidesk.records.store import Store

    with Store(db, read_only=True) as store:
        store.con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'; SET threads = {THREADS}")
        schema = store.snapshot().schema
        queries = floor_sql(lambda name: f'"{schema}"."{name}"')
        started = time.perf_counter()
        totals = {
            k: int(store.con.execute(f"SELECT sum(n) FROM ({q})").fetchone()[0] or 0)
            for k, q in queries.items()
            if k.startswith("table_")
        }
        tabled = time.perf_counter()
        n_atoms = sum(
            len(store.con.execute(q).fetchall())
            for k, q in queries.items()
            if k.startswith("atoms")
        )
        atoms = time.perf_counter()
    return {
        "tables": tabled - started,
        "atoms": atoms - tabled,
        "total_by_table": totals,
        "n_atoms": n_atoms,
    }


def _spark(parquet: str):
    from foidesk.stats.spark import spark_session

    return spark_session("local[2]", driver_memory=SPARK_DRIVER_MEMORY)


def child_spark(parquet: str) -> dict:
    from foidesk.stats.spark import parquet_source

    session = _spark(parquet)
    session.range(1).collect()  # the JVM up before the clock starts
    result = _foidesk(parquet_source(session, parquet))
    session.stop()
    return result


def child_spark_sql(parquet: str) -> dict:
    session = _spark(parquet)
    session.range(1).collect()
    for name in ("crimes", "victims", "suspects", "relationships", "outcomes"):
        session.read.parquet(f"{parquet}/{name}").createOrReplaceTempView(f"floor_{name}")
    for name in ("offence_classification", "how_known_codes", "outcome_types", "sexes"):
        session.read.parquet(f"{parquet}/{name}.parquet").createOrReplaceTempView(f"floor_{name}")
    queries = floor_sql(lambda name: f"floor_{name}")
    started = time.perf_counter()
    totals = {
        k: int(session.sql(f"SELECT sum(n) FROM ({q}) t").collect()[0][0] or 0)
        for k, q in queries.items()
        if k.startswith("table_")
    }
    tabled = time.perf_counter()
    n_atoms = sum(
        len(session.sql(q).collect()) for k, q in queries.items() if k.startswith("atoms")
    )
    atoms = time.perf_counter()
    session.stop()
    return {
        "tables": tabled - started,
        "atoms": atoms - tabled,
        "total_by_table": totals,
        "n_atoms": n_atoms,
    }


def child_synth(db: str, scale: float) -> dict:
    from foidesk.records.synth import generate

    started = time.perf_counter()
    snap = generate(db, scale=scale, progress=False)
    return {
        "seconds": time.perf_counter() - started,
        "crimes": snap.row_counts["crimes"],
        "rows": sum(snap.row_counts.values()),
    }


def child_export(db: str, parquet: str) -> dict:
    from foidesk.records.export import export

    started = time.perf_counter()
    export(db, parquet)
    return {"seconds": time.perf_counter() - started}


CHILDREN = {
    "duckdb": child_duckdb,
    "duckdb_sql": child_duckdb_sql,
    "spark": child_spark,
    "spark_sql": child_spark_sql,
    "synth": child_synth,
    "export": child_export,
}


# -- the parent: one process per measurement, peak RSS of its whole process tree ----------


def _tree_rss_kb(pid: int) -> int:
    """Resident memory of ``pid`` and all its descendants, in KiB."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE") // 1024
        except (OSError, IndexError, ValueError):
            continue
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        total += rss.get(current, 0)
        stack.extend(children.get(current, []))
    return total


def measure(kind: str, *args: str) -> dict:
    command = [sys.executable, __file__, "--child", kind, *args]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, cwd=ROOT)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_kb(proc.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = proc.communicate()
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{kind} failed (status {proc.returncode})")
    result = json.loads(output.decode().strip().splitlines()[-1])
    result["peak_mb"] = peak / 1024
    return result


def chart(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.2))
    styles = {
        "duckdb": ("DuckDB, foidesk", "-o"),
        "duckdb_sql": ("DuckDB, hand-written SQL", "--o"),
        "spark": ("Spark local[2], foidesk", "-s"),
        "spark_sql": ("Spark local[2], hand-written SQL", "--s"),
    }
    for kind, (label, style) in styles.items():
        points = [(r["crimes"], r[kind]) for r in rows if kind in r]
        if not points:
            continue
        crimes = [p[0] for p in points]
        seconds = [p[1]["tables"] + p[1]["atoms"] for p in points]
        left.plot(crimes, seconds, style, label=label)
        right.plot(crimes, [p[1]["peak_mb"] for p in points], style, label=label)
    for axis, title, unit in ((left, "Time", "seconds"), (right, "Peak memory", "MB (RSS)")):
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("crimes in the snapshot")
        axis.set_ylabel(unit)
        axis.set_title(f"{title}: the six seed tables and their atoms")
        axis.grid(True, which="both", alpha=0.3)
    left.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # each line out as it is measured
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10,50")
    parser.add_argument("--spark-max", type=float, default=10.0)
    parser.add_argument("--workdir", default=str(ROOT / "out" / "bench"))
    parser.add_argument("--chart", default=str(CHART))
    parser.add_argument(
        "--results",
        default=None,
        help="JSON file of earlier runs' rows (by scale): this run's rows replace theirs, "
        "and the chart shows them all",
    )
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("args", nargs="*", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        kind = options.child
        args = [float(a) if kind == "synth" and i == 1 else a for i, a in enumerate(options.args)]
        print(json.dumps(CHILDREN[kind](*args)))
        return
    work = Path(options.workdir)
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    for scale in (float(s) for s in options.scales.split(",")):
        db = work / f"scale-{scale:g}.duckdb"
        row: dict = {"scale": scale}
        if not db.exists():
            made = measure("synth", str(db), str(scale))
            row["synth"] = made
            print(
                f"scale {scale:g}: synth {made['seconds']:.1f} s, peak {made['peak_mb']:.0f} MB,"
                f" {made['crimes']:,} crimes, {made['rows']:,} rows"
            )
        from foidesk.records.store import Store

        with Store(db, read_only=True) as store:
            row["crimes"] = store.snapshot().row_counts["crimes"]
        row["duckdb"] = measure("duckdb", str(db))
        row["duckdb_sql"] = measure("duckdb_sql", str(db))
        if scale <= options.spark_max:
            parquet = work / f"scale-{scale:g}.parquet"
            if not (parquet / "snapshot.json").exists():
                row["export"] = measure("export", str(db), str(parquet))
            row["spark"] = measure("spark", str(parquet))
            row["spark_sql"] = measure("spark_sql", str(parquet))
        rows.append(row)
        report(row)
        if options.results:
            # Saved after every scale, so a long run that is stopped keeps what it measured.
            path = Path(options.results)
            earlier = json.loads(path.read_text()) if path.exists() else []
            done = {r["scale"] for r in rows}
            kept = [r for r in earlier if r["scale"] not in done] + rows
            path.write_text(json.dumps(sorted(kept, key=lambda r: r["scale"]), indent=1))
    if options.results:
        rows = json.loads(Path(options.results).read_text())
    chart(rows, Path(options.chart))
    print(f"chart: {options.chart}")
    print(json.dumps(rows, indent=1, default=str), flush=True)


def report(row: dict) -> None:
    print(f"\nscale {row['scale']:g}: {row['crimes']:,} crimes", flush=True)
    for engine in ("duckdb", "spark"):
        if engine not in row:
            continue
        ours, floor = row[engine], row[f"{engine}_sql"]
        assert ours["total_by_table"] == floor["total_by_table"], (engine, ours, floor)
        assert ours["n_atoms"] == floor["n_atoms"], (engine, ours["n_atoms"], floor["n_atoms"])
        both = ours["tables"] + ours["atoms"]
        base = floor["tables"] + floor["atoms"]
        print(
            f"  {engine:6s} foidesk: tables {ours['tables']:7.2f} s  atoms {ours['atoms']:7.2f} s"
            f"  protection+audit {ours['protection']:6.2f} s  peak {ours['peak_mb']:6.0f} MB"
        )
        print(
            f"  {engine:6s} floor:   tables {floor['tables']:7.2f} s  atoms {floor['atoms']:7.2f} s"
            f"                            peak {floor['peak_mb']:6.0f} MB"
        )
        print(
            f"  {engine:6s} ratio (tables + atoms): {both / base:.2f}x  "
            f"(tables {ours['tables'] / floor['tables']:.2f}x, "
            f"atoms {ours['atoms'] / floor['atoms']:.2f}x); {ours['n_atoms']:,} atoms, "
            f"{ours['suppressed']} cells [c], audit {'passed' if ours['passed'] else 'FAILED'}"
        )


if __name__ == "__main__":
    main()
