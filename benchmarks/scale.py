"""Benchmark: the seed's six tables at national scale, on DuckDB and on Spark.

For each scale (synthetic London, 1.17 million crimes at scale 1) it measures, each in its
own process so that peak memory (the process and its children, a Spark JVM included) is
its own:

* DuckDB, foidesk: the six tables, the disclosure-control atoms, protection and the audit
  (HiGHS), each timed; beside the floor, hand-written DuckDB SQL for the same six tables
  and the same atoms (each unit's tuple of cells, grouped), with the same memory limit
  and threads. Tables and atoms are computed ``--repeat`` times, the fastest kept, in
  wall and in CPU seconds (on a shared machine the CPU seconds measure the work itself);
* Spark ``local[2]`` (scales up to ``--spark-max``): foidesk's tables and atoms on the
  store's Parquet export, beside hand-written Spark SQL for the same tables and atoms on
  the same Parquet.

Protection and the audit work on the atoms alone, so they have no hand-written floor and
are the same on both engines. Generated stores, their Parquet exports and every
measurement (``results.json``, saved after each one, with the machine's load average
around it) are kept in ``build/scale/``: a run resumes where the last one stopped, and
``--again`` takes chosen measurements again. Prints seconds, peak RSS and the ratios, and
draws time and memory against crimes (log-log) into ``docs/scale.png``.

    .venv/bin/python benchmarks/scale.py                  # scales 1, 10 and 50
    .venv/bin/python benchmarks/scale.py --scales 1,10 --again duckdb,duckdb_sql
    .venv/bin/python benchmarks/scale.py --report-only    # the kept figures and chart
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import shutil
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
# The solver's time limit (the policy's default is 60 s): on a loaded machine a minute of
# wall-clock time can be seconds of CPU, and a pattern cut short by the clock differs from
# run to run and may fail the audit; the benchmark times the whole search instead.
PROTECTION_TIME_LIMIT = 1800.0

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
    # The CCB tables join 29-31 December 2015 (the offence's first days) to 2016.
    ccb_year = (
        "CASE WHEN c.recorded_date < DATE '2016-01-01' THEN 2016 ELSE year(c.recorded_date) END"
    )
    years = "c.recorded_date BETWEEN DATE '2015-01-01' AND DATE '2024-05-31'"
    ccb_years = "c.recorded_date BETWEEN DATE '2015-12-29' AND DATE '2024-05-31'"
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
        "table_3": f"SELECT {ccb_year}, count(*) AS n {crimes} WHERE {in_t3} GROUP BY 1",
        "table_4": f"SELECT {ccb_year}, {by_sexes} {in_t4} GROUP BY 1, 2, 3",
        "table_5": f"SELECT {ccb_year}, t.outcome_group, count(*) AS n {crimes} WHERE {in_t3} "
        "GROUP BY 1, 2",
        "table_6": f"SELECT {year}, t.outcome_group, count(*) AS n {crimes} WHERE {in_t6} "
        "GROUP BY 1, 2",
        "atoms_pairs": f"""
            SELECT a, b, d, count(*) AS n FROM (
                SELECT {cell(in_t1, period, sexes)} AS a,
                       {cell(in_t2, f"CAST({year} AS STRING)", sexes)} AS b,
                       {cell(in_t4, f"CAST({ccb_year} AS STRING)", sexes)} AS d
                {pairs} WHERE ({in_t1}) OR ({in_t2}) OR ({in_t4})) u
            GROUP BY a, b, d""",
        "atoms_crimes": f"""
            SELECT a, b, d, count(*) AS n FROM (
                SELECT {cell(in_t3, f"CAST({ccb_year} AS STRING)")} AS a,
                       {cell(in_t3, f"CAST({ccb_year} AS STRING)", "t.outcome_group")} AS b,
                       {cell(in_t6, f"CAST({year} AS STRING)", "t.outcome_group")} AS d
                {crimes} WHERE ({in_t3}) OR ({in_t6})) u
            GROUP BY a, b, d""",
    }


# -- the approaches, each run in a child process --------------------------------------------


def _best_of(repeat: int, phases: dict) -> tuple[dict, dict]:
    """Run each phase in turn, ``repeat`` times over; keep each phase's fastest wall and
    CPU seconds and its last result. CPU seconds are this process's, the engine's threads
    included (not a Spark JVM's): on a shared machine they measure the work where wall
    time also measures the queue for the cores."""
    timings: dict = {}
    results: dict = {}
    for _ in range(repeat):
        for name, run in phases.items():
            cpu, started = time.process_time(), time.perf_counter()
            results[name] = run(results)
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
            # The first run, which pays for imports and cold caches, is kept beside the best.
            timings.setdefault(f"{name}_first", wall)
            timings[name] = min(timings.get(name, wall), wall)
            timings[f"{name}_cpu"] = min(timings.get(f"{name}_cpu", cpu), cpu)
    return timings, results


def _foidesk(source, repeat: int = 1) -> dict:
    """foidesk's own path on any source: tables, atoms, protection and audit, timed."""
    from foidesk.stats.compiler import compute_table, unit_frame
    from foidesk.stats.disclosure import DisclosurePolicy, protect
    from foidesk.stats.linkage import link_tables
    from foidesk.stats.specs import load_tables

    specs = load_tables(SEED)
    timings, results = _best_of(
        repeat,
        {
            "tables": lambda done: [compute_table(spec, source) for spec in specs],
            "atoms": lambda done: link_tables(
                done["tables"], {t.id: unit_frame(t.spec, source) for t in done["tables"]}
            ),
        },
    )
    tables, linked = results["tables"], results["atoms"]
    started = time.perf_counter()
    outcome = protect(linked.cells, DisclosurePolicy(time_limit=PROTECTION_TIME_LIMIT))
    protected = time.perf_counter()
    audited = outcome.audit.seconds if outcome.audit is not None else 0.0
    return {
        **timings,
        "protection": protected - started - audited,
        "audit": audited,
        "repeat": repeat,
        "total_by_table": {t.id: t.grand_total for t in tables},
        "n_atoms": linked.cells.n_atoms,
        "passed": outcome.passed,
        "suppressed": len(outcome.suppressed),
    }


def child_duckdb(db: str, repeat: str = "1") -> dict:
    from foidesk.records.store import Store
    from foidesk.stats.compiler import Source

    with Store(db, read_only=True) as store:
        store.con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'; SET threads = {THREADS}")
        return _foidesk(Source.from_store(store), int(repeat))


def _floor(run, queries: dict[str, str], repeat: int) -> dict:
    """The hand-written queries, timed as foidesk's are; ``run(sql)`` returns the rows."""
    timings, results = _best_of(
        repeat,
        {
            "tables": lambda done: {
                k: int(run(f"SELECT sum(n) FROM ({q}) t")[0][0] or 0)
                for k, q in queries.items()
                if k.startswith("table_")
            },
            "atoms": lambda done: sum(
                len(run(q)) for k, q in queries.items() if k.startswith("atoms")
            ),
        },
    )
    return {
        **timings,
        "repeat": repeat,
        "total_by_table": results["tables"],
        "n_atoms": results["atoms"],
    }


def child_duckdb_sql(db: str, repeat: str = "1") -> dict:
    from foidesk.records.store import Store

    with Store(db, read_only=True) as store:
        store.con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'; SET threads = {THREADS}")
        schema = store.snapshot().schema
        queries = floor_sql(lambda name: f'"{schema}"."{name}"')
        return _floor(lambda sql: store.con.execute(sql).fetchall(), queries, int(repeat))


def _spark(parquet: str):
    from foidesk.stats.spark import spark_session

    return spark_session("local[2]", driver_memory=SPARK_DRIVER_MEMORY)


def child_spark(parquet: str, repeat: str = "1") -> dict:
    from foidesk.stats.spark import parquet_source

    session = _spark(parquet)
    session.range(1).collect()  # the JVM up before the clock starts
    result = _foidesk(parquet_source(session, parquet), int(repeat))
    session.stop()
    return result


def child_spark_sql(parquet: str, repeat: str = "1") -> dict:
    session = _spark(parquet)
    session.range(1).collect()
    for name in ("crimes", "victims", "suspects", "relationships", "outcomes"):
        session.read.parquet(f"{parquet}/{name}").createOrReplaceTempView(f"floor_{name}")
    for name in ("offence_classification", "how_known_codes", "outcome_types", "sexes"):
        session.read.parquet(f"{parquet}/{name}.parquet").createOrReplaceTempView(f"floor_{name}")
    queries = floor_sql(lambda name: f"floor_{name}")
    result = _floor(lambda sql: session.sql(sql).collect(), queries, int(repeat))
    session.stop()
    return result


def child_synth(db: str, scale: float) -> dict:
    from foidesk.records.synth import generate

    started = time.perf_counter()
    snap = generate(db, scale=scale)
    return {
        "seconds": time.perf_counter() - started,
        "cpu": time.process_time(),  # every thread's, generation and DuckDB alike
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
    """Run one child measurement; add its peak RSS and the machine's load around it."""
    command = [sys.executable, __file__, "--child", kind, *args]
    load_before = os.getloadavg()[0]
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
    result["load"] = [round(load_before, 1), round(os.getloadavg()[0], 1)]
    result["measured_at"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return result


# -- the cache: one JSON file of every measurement, by scale and kind ---------------------


class Results:
    """Measurements kept in ``results.json`` beside the generated stores, saved after each
    one, so that a run stopped part-way keeps what it measured and the next run resumes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows: dict[str, dict] = json.loads(path.read_text()) if path.exists() else {}
        self.mine: dict[str, set[str]] = {}

    def row(self, scale: float) -> dict:
        self.mine.setdefault(f"{scale:g}", {"scale"})
        return self.rows.setdefault(f"{scale:g}", {"scale": scale})

    def save(self, scale: float, *kinds: str) -> None:
        """Save what this run measured (``kinds`` at ``scale``, and before): other runs
        may share the file, and what they saved since is kept."""
        self.mine.setdefault(f"{scale:g}", {"scale"}).update(kinds)
        with open(self.path.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            kept = json.loads(self.path.read_text()) if self.path.exists() else {}
            for key, row in kept.items():
                if key not in self.mine:
                    self.rows[key] = row
            for key, measured in self.mine.items():
                # Updated in place: the caller holds this row and goes on filling it.
                row = self.rows[key]
                theirs = {k: v for k, v in kept.get(key, {}).items() if k not in measured}
                row.update(theirs)
                kept[key] = row
            partial = self.path.with_suffix(".json.partial")
            ordered = dict(sorted(self.rows.items(), key=lambda item: float(item[0])))
            partial.write_text(json.dumps(ordered, indent=1))
            partial.replace(self.path)

    def measured(self) -> list[dict]:
        return [self.rows[k] for k in sorted(self.rows, key=float) if "crimes" in self.rows[k]]


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
        axis.set_title(f"{title}: six seed tables and their atoms", fontsize=10)
        axis.grid(True, which="both", alpha=0.3)
    left.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # each line out as it is measured
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10,50")
    parser.add_argument("--spark-max", type=float, default=10.0)
    parser.add_argument(
        "--workdir",
        default=str(ROOT / "build" / "scale"),
        help="where the generated stores, their Parquet exports and results.json are kept",
    )
    parser.add_argument("--chart", default=str(CHART))
    parser.add_argument(
        "--again",
        default="",
        help="comma-separated measurements to take again even if results.json has them "
        "(duckdb, duckdb_sql, spark, spark_sql; 'all' for the four)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="times the tables and atoms are computed in one DuckDB process, the fastest "
        "kept (the first run pays for imports and cold caches)",
    )
    parser.add_argument("--spark-repeat", type=int, default=1, help="the same on Spark")
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="measure nothing: print the kept results and redraw the chart",
    )
    parser.add_argument(
        "--markdown", action="store_true", help="also print the figures as Markdown tables"
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
    results = Results(work / "results.json")
    again = set(options.again.split(",")) - {""}
    if "all" in again:
        again = {"duckdb", "duckdb_sql", "spark", "spark_sql"}
    scales = [float(s) for s in options.scales.split(",")]
    print(f"cores: {os.cpu_count()}, load average now: {os.getloadavg()[0]:.1f}")
    for scale in [] if options.report_only else scales:
        row = results.row(scale)
        db = work / f"scale-{scale:g}.duckdb"
        if not db.exists():
            # Generated under another name and renamed when whole: a stopped run leaves
            # no half-written store to be measured later.
            partial = work / f"scale-{scale:g}.partial.duckdb"
            partial.unlink(missing_ok=True)
            row["synth"] = measure("synth", str(partial), str(scale))
            partial.replace(db)
            results.save(scale, "synth")
            made = row["synth"]
            print(
                f"scale {scale:g}: synth {made['seconds']:.1f} s, peak {made['peak_mb']:.0f} MB,"
                f" {made['crimes']:,} crimes, {made['rows']:,} rows (load {made['load']})"
            )
        if "crimes" not in row:
            from foidesk.records.store import Store

            with Store(db, read_only=True) as store:
                row["crimes"] = store.snapshot().row_counts["crimes"]
            results.save(scale, "crimes")
        kinds = ["duckdb", "duckdb_sql"]
        if scale <= options.spark_max:
            parquet = work / f"scale-{scale:g}.parquet"
            if not parquet.exists():
                partial = work / f"scale-{scale:g}.partial.parquet"
                shutil.rmtree(partial, ignore_errors=True)
                row["export"] = measure("export", str(db), str(partial))
                partial.replace(parquet)
                results.save(scale, "export")
            kinds += ["spark", "spark_sql"]
        for kind in kinds:
            if kind in row and kind not in again:
                continue
            spark = kind.startswith("spark")
            target = str(parquet) if spark else str(db)
            row[kind] = measure(
                kind, target, str(options.spark_repeat if spark else options.repeat)
            )
            results.save(scale, kind)
            print(f"scale {scale:g}: {kind} measured (load {row[kind]['load']})")
        report(row)
        chart(results.measured(), Path(options.chart))
    rows = [r for r in results.measured() if r["scale"] in scales] or results.measured()
    if options.report_only:
        for row in rows:
            report(row)
    growth(rows)
    if options.markdown:
        markdown(rows, [results.rows[k] for k in sorted(results.rows, key=float)])
    chart(results.measured(), Path(options.chart))
    print(f"chart: {options.chart}; results: {results.path}")


def _seconds(result: dict) -> float:
    return result["tables"] + result["atoms"]


def report(row: dict) -> None:
    print(f"\nscale {row['scale']:g}: {row['crimes']:,} crimes", flush=True)
    if "synth" in row:
        made = row["synth"]
        print(
            f"  synth: {made['seconds']:.1f} s, peak {made['peak_mb']:.0f} MB "
            f"(load {made['load'][0]}-{made['load'][1]})"
        )
    for engine in ("duckdb", "spark"):
        if engine not in row or f"{engine}_sql" not in row:
            continue
        ours, floor = row[engine], row[f"{engine}_sql"]
        assert ours["total_by_table"] == floor["total_by_table"], (engine, ours, floor)
        assert ours["n_atoms"] == floor["n_atoms"], (engine, ours["n_atoms"], floor["n_atoms"])
        print(
            f"  {engine:6s} foidesk: tables {ours['tables']:7.2f} s  atoms {ours['atoms']:7.2f} s"
            f"  protection {ours['protection']:6.2f} s  audit {ours.get('audit', 0):6.2f} s"
            f"  peak {ours['peak_mb']:6.0f} MB  (load {ours['load'][0]}-{ours['load'][1]})"
        )
        print(
            f"  {engine:6s} floor:   tables {floor['tables']:7.2f} s  atoms {floor['atoms']:7.2f} s"
            f"                                     peak {floor['peak_mb']:6.0f} MB"
            f"  (load {floor['load'][0]}-{floor['load'][1]})"
        )
        print(
            f"  {engine:6s} ratio (tables + atoms): {_seconds(ours) / _seconds(floor):.2f}x  "
            f"(tables {ours['tables'] / floor['tables']:.2f}x, "
            f"atoms {ours['atoms'] / floor['atoms']:.2f}x), peak memory "
            f"{ours['peak_mb'] / floor['peak_mb']:.2f}x; {ours['n_atoms']:,} atoms, "
            f"{ours['suppressed']} cells [c], audit {'passed' if ours['passed'] else 'FAILED'}"
        )
        if "tables_first" in ours and "tables_first" in floor:
            mine = ours["tables_first"] + ours["atoms_first"]
            base = floor["tables_first"] + floor["atoms_first"]
            print(
                f"  {engine:6s} first of {ours['repeat']} runs (tables + atoms): foidesk "
                f"{mine:.2f} s, floor {base:.2f} s, ratio {mine / base:.2f}x"
            )
        if "tables_cpu" in ours and "tables_cpu" in floor:
            mine = ours["tables_cpu"] + ours["atoms_cpu"]
            base = floor["tables_cpu"] + floor["atoms_cpu"]
            print(
                f"  {engine:6s} CPU seconds (tables + atoms): foidesk {mine:.2f}, floor "
                f"{base:.2f}, ratio {mine / base:.2f}x (tables "
                f"{ours['tables_cpu'] / floor['tables_cpu']:.2f}x, atoms "
                f"{ours['atoms_cpu'] / floor['atoms_cpu']:.2f}x)"
            )


def markdown(rows: list[dict], generated: list[dict]) -> None:
    """The figures as the Markdown tables of docs/tables.md (``generated``: every scale
    with a measured synth, whether or not its queries were measured too)."""
    print(
        "\n| scale (crimes) | engine | tables s | atoms s | protection s | audit s "
        "| floor tables s | floor atoms s | ratio, wall | ratio, CPU | peak MB (floor) "
        "| load |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    )
    for row in rows:
        for engine in ("duckdb", "spark"):
            if engine not in row or f"{engine}_sql" not in row:
                continue
            ours, floor = row[engine], row[f"{engine}_sql"]
            cpu = "-"
            if engine == "duckdb" and "tables_cpu" in ours and "tables_cpu" in floor:
                mine = ours["tables_cpu"] + ours["atoms_cpu"]
                cpu = f"{mine / (floor['tables_cpu'] + floor['atoms_cpu']):.2f}x"
            print(
                f"| {row['scale']:g} ({row['crimes']:,}) | {engine} | {ours['tables']:.2f} "
                f"| {ours['atoms']:.2f} | {ours['protection']:.1f} | {ours.get('audit', 0):.2f} "
                f"| {floor['tables']:.2f} | {floor['atoms']:.2f} "
                f"| {_seconds(ours) / _seconds(floor):.2f}x | {cpu} "
                f"| {ours['peak_mb']:.0f} ({floor['peak_mb']:.0f}) "
                f"| {ours['load'][0]:g}-{max(ours['load'][1], floor['load'][1]):g} |"
            )
    print(
        "\n| scale | crimes | rows | synth s | CPU s | peak MB | load |\n"
        "| --- | --- | --- | --- | --- | --- | --- |"
    )
    for row in generated:
        if "synth" in row:
            made = row["synth"]
            cpu = f"{made['cpu']:.0f}" if "cpu" in made else "-"
            print(
                f"| {row['scale']:g} | {made['crimes']:,} | {made['rows']:,} "
                f"| {made['seconds']:.0f} | {cpu} | {made['peak_mb']:.0f} "
                f"| {made['load'][0]:g}-{made['load'][1]:g} |"
            )


def growth(rows: list[dict]) -> None:
    """Time from one scale to the next against crimes: linear growth keeps them equal."""
    for engine in ("duckdb", "duckdb_sql", "spark", "spark_sql"):
        measured = [r for r in rows if engine in r]
        for low, high in zip(measured, measured[1:], strict=False):
            print(
                f"{engine}: scale {low['scale']:g} -> {high['scale']:g}: crimes "
                f"x{high['crimes'] / low['crimes']:.1f}, time "
                f"x{_seconds(high[engine]) / _seconds(low[engine]):.1f}, peak memory "
                f"x{high[engine]['peak_mb'] / low[engine]['peak_mb']:.1f}"
            )


if __name__ == "__main__":
    main()
