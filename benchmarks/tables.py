"""Benchmark: the seed's six tables on synthetic London, foidesk against two baselines.

(a) hand-written DuckDB SQL for the same six tables, the floor; (b) plain pandas, what an
analyst would otherwise write. Each approach runs once in its own process for its peak
memory; timings are the best of ``--repeat`` warm runs, with the three taking turns in
one process so that other load on the machine falls on all alike. Prints the three
timings, the ratios and peak memory, and checks the three agree on every table's total.

    .venv/bin/python benchmarks/tables.py --scale 10
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "requests" / "01.FOI.24.035331.yaml"

CCB = "'Controlling or coercive behaviour'"
HS = "'Harassment', 'Stalking'"
FORMER = "'Former intimate partner'"


def hand_sql(schema: str) -> dict[str, str]:
    """The six tables as an analyst would write them in SQL (no zero-filling)."""
    s = f'"{schema}"'
    pairs = f"""
        FROM {s}.relationships r
        JOIN {s}.crimes c ON c.crime_id = r.crime_id
        JOIN {s}.offence_classification o
          ON o.scheme = c.offence_scheme AND o.code = c.offence_code
        JOIN {s}.how_known_codes h ON h.scheme = r.how_known_scheme AND h.code = r.how_known
        JOIN {s}.victims v ON v.victim_id = r.victim_id
        JOIN {s}.suspects p ON p.suspect_id = r.suspect_id
        LEFT JOIN {s}.sexes vs ON vs.code = v.sex
        LEFT JOIN {s}.sexes ps ON ps.code = p.sex"""
    crimes = f"""
        FROM {s}.crimes c
        JOIN {s}.offence_classification o
          ON o.scheme = c.offence_scheme AND o.code = c.offence_code"""
    outcome = f"""
        LEFT JOIN {s}.outcomes oc ON oc.crime_id = c.crime_id
        LEFT JOIN {s}.outcome_types t ON coalesce(t.code, '') = coalesce(oc.outcome_code, '')"""
    years = "c.recorded_date BETWEEN DATE '2015-01-01' AND DATE '2024-12-31'"
    ccb_years = "c.recorded_date BETWEEN DATE '2015-12-29' AND DATE '2024-12-31'"
    return {
        "table_1": f"""
            SELECT CASE WHEN c.recorded_date < DATE '2023-04-05' THEN 'before' ELSE 'from' END,
                   ps.label, vs.label, count(*) AS n {pairs}
            WHERE o.offence_group = {CCB} AND h.how_known_group = {FORMER}
              AND c.recorded_date BETWEEN DATE '2023-01-01' AND DATE '2023-12-31'
            GROUP BY 1, 2, 3""",
        "table_2": f"""
            SELECT year(c.recorded_date), ps.label, vs.label, count(*) AS n {pairs}
            WHERE o.offence_group IN ({HS}) AND h.how_known_group = {FORMER} AND {years}
            GROUP BY 1, 2, 3""",
        "table_3": f"""
            SELECT year(c.recorded_date), count(*) AS n {crimes}
            WHERE o.offence_group = {CCB} AND {ccb_years}
            GROUP BY 1""",
        "table_4": f"""
            SELECT year(c.recorded_date), ps.label, vs.label, count(*) AS n {pairs}
            WHERE o.offence_group = {CCB} AND {ccb_years}
            GROUP BY 1, 2, 3""",
        "table_5": f"""
            SELECT year(c.recorded_date), t.outcome_group, count(*) AS n {crimes} {outcome}
            WHERE o.offence_group = {CCB} AND {ccb_years}
            GROUP BY 1, 2""",
        "table_6": f"""
            SELECT year(c.recorded_date), t.outcome_group, count(*) AS n {crimes} {outcome}
            WHERE o.offence_group IN ({HS}) AND {years}
              AND EXISTS (
                SELECT 1 FROM {s}.relationships r
                JOIN {s}.how_known_codes h
                  ON h.scheme = r.how_known_scheme AND h.code = r.how_known
                WHERE r.crime_id = c.crime_id AND h.how_known_group = {FORMER})
            GROUP BY 1, 2""",
    }


def run_sql(db: str) -> dict[str, int]:
    from foidesk.records.store import Store

    with Store(db, read_only=True) as store:
        schema = store.snapshot().schema
        return {
            table_id: int(store.con.execute(f"SELECT sum(n) FROM ({query})").fetchone()[0] or 0)
            for table_id, query in hand_sql(schema).items()
        }


def run_foidesk(db: str) -> dict[str, int]:
    from foidesk.records.store import Store
    from foidesk.stats.compiler import Source, compute_table
    from foidesk.stats.specs import load_tables

    with Store(db, read_only=True) as store:
        source = Source.from_store(store)
        return {spec.id: compute_table(spec, source).grand_total for spec in load_tables(SEED)}


def load_pandas(db: str) -> dict:
    from foidesk.records.store import Store

    # Only the columns the six tables use, as an analyst reading an extract would.
    columns = {
        "crimes": "crime_id, recorded_date, offence_code",
        "victims": "victim_id, sex",
        "suspects": "suspect_id, sex",
        "relationships": "crime_id, victim_id, suspect_id, how_known",
        "outcomes": "crime_id, outcome_code",
        "offence_classification": "*",
        "how_known_codes": "*",
        "outcome_types": "*",
        "sexes": "*",
    }
    with Store(db, read_only=True) as store:
        return {
            n: store.con.sql(f"SELECT {c} FROM {store.relation(n)}").df()
            for n, c in columns.items()
        }


def run_pandas(frames: dict) -> dict[str, int]:
    import pandas as pd

    groups = frames["offence_classification"].set_index("code")["offence_group"]
    crimes = frames["crimes"][["crime_id", "recorded_date", "offence_code"]].copy()
    crimes["group"] = crimes["offence_code"].map(groups)
    crimes["day"] = pd.to_datetime(crimes["recorded_date"])
    crimes["year"] = crimes["day"].dt.year
    sexes = frames["sexes"].set_index("code")["label"]
    hk = frames["how_known_codes"].set_index("code")["how_known_group"]
    types = frames["outcome_types"].copy()
    types["code"] = types["code"].fillna("")
    outcome_group = frames["outcomes"].assign(code=frames["outcomes"]["outcome_code"].fillna(""))
    outcome_group = outcome_group.merge(types, on="code")[["crime_id", "outcome_group"]]

    pairs = frames["relationships"][["crime_id", "victim_id", "suspect_id", "how_known"]]
    pairs = pairs.merge(crimes, on="crime_id")
    pairs = pairs.merge(frames["victims"][["victim_id", "sex"]], on="victim_id")
    pairs = pairs.merge(
        frames["suspects"][["suspect_id", "sex"]], on="suspect_id", suffixes=("_v", "_s")
    )
    pairs["victim_sex"] = pairs["sex_v"].map(sexes)
    pairs["suspect_sex"] = pairs["sex_s"].map(sexes)
    pairs["former"] = pairs["how_known"].map(hk) == "Former intimate partner"

    ccb = "Controlling or coercive behaviour"
    hs = ["Harassment", "Stalking"]
    p_years = pairs["day"].between("2015-01-01", "2024-12-31")
    p_ccb_years = pairs["day"].between("2015-12-29", "2024-12-31")
    c_years = crimes["day"].between("2015-01-01", "2024-12-31")
    c_ccb_years = crimes["day"].between("2015-12-29", "2024-12-31")

    t1 = pairs[(pairs["group"] == ccb) & pairs["former"] & (pairs["year"] == 2023)]
    t1 = t1.assign(period=t1["day"] < "2023-04-05")
    t1 = t1.groupby(["period", "suspect_sex", "victim_sex"]).size()
    t2 = pairs[pairs["group"].isin(hs) & pairs["former"] & p_years]
    t2 = t2.groupby(["year", "suspect_sex", "victim_sex"]).size()
    t3 = crimes[(crimes["group"] == ccb) & c_ccb_years].groupby("year").size()
    t4 = pairs[(pairs["group"] == ccb) & p_ccb_years]
    t4 = t4.groupby(["year", "suspect_sex", "victim_sex"]).size()
    t5 = crimes[(crimes["group"] == ccb) & c_ccb_years].merge(outcome_group, on="crime_id")
    t5 = t5.groupby(["year", "outcome_group"]).size()
    former_crimes = pairs.loc[pairs["former"], "crime_id"].unique()
    t6 = crimes[crimes["group"].isin(hs) & c_years & crimes["crime_id"].isin(former_crimes)]
    t6 = t6.merge(outcome_group, on="crime_id").groupby(["year", "outcome_group"]).size()
    tables = {"table_1": t1, "table_2": t2, "table_3": t3, "table_4": t4, "table_5": t5}
    tables["table_6"] = t6
    return {k: int(v.sum()) for k, v in tables.items()}


def interleaved(db: str, repeat: int) -> None:
    """Time the three approaches in turn in one process, so load from anything else on
    the machine falls on all alike; print the best of each as JSON."""
    frames = load_pandas(db)
    runs = {
        "sql": lambda: run_sql(db),
        "foidesk": lambda: run_foidesk(db),
        "pandas": lambda: run_pandas(frames),
    }
    for run in runs.values():  # warm-up
        run()
    times: dict[str, list[float]] = {approach: [] for approach in runs}
    for _ in range(repeat):
        for approach, run in runs.items():
            started = time.perf_counter()
            run()
            times[approach].append(time.perf_counter() - started)
    print(json.dumps({a: min(t) for a, t in times.items()}))


def child(approach: str, db: str, repeat: int) -> None:
    """Run one approach in this process and print its timings as JSON."""
    if approach == "interleaved":
        interleaved(db, repeat)
        return
    frames, load_seconds = None, 0.0
    if approach == "pandas":
        started = time.perf_counter()
        frames = load_pandas(db)
        load_seconds = time.perf_counter() - started
    run = {
        "sql": lambda: run_sql(db),
        "foidesk": lambda: run_foidesk(db),
        "pandas": lambda: run_pandas(frames),
    }[approach]
    totals = run()  # warm-up: file pages cached, imports done
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    print(json.dumps({"best": min(times), "load": load_seconds, "totals": totals}))


def measure(approach: str, db: str, repeat: int) -> dict:
    command = [sys.executable, __file__, "--child", approach, "--db", db, "--repeat", str(repeat)]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    output = proc.stdout.read() if proc.stdout else b""
    if status != 0:
        raise SystemExit(f"{approach} failed (status {status})")
    result = json.loads(output)
    result["peak_mb"] = usage.ru_maxrss / 1024  # Linux reports KiB
    result.setdefault("load", 0.0)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=10.0)
    parser.add_argument("--db", default=None, help="store to use (generated if missing)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    db = args.db or str(ROOT / "out" / "bench" / f"london-{args.scale:g}.duckdb")
    if args.child:
        child(args.child, db, args.repeat)
        return
    if not Path(db).exists():
        from foidesk.records.synth import generate

        print(f"generating synthetic London at scale {args.scale:g} into {db} ...")
        generate(db, scale=args.scale)
    from foidesk.records.store import Store

    with Store(db, read_only=True) as store:
        snap = store.snapshot()
    print(f"store: {db}  snapshot {snap.short_id}  crimes {snap.row_counts['crimes']:,}")
    # Peak memory, results and pandas' loading time from one process per approach; the
    # timings from one process taking the three in turn.
    results = {a: measure(a, db, 1) for a in ("sql", "foidesk", "pandas")}
    best = measure("interleaved", db, args.repeat)
    for approach, r in results.items():
        r["best"] = best[approach]
    for approach, r in results.items():
        load = f"  (+{r['load']:.2f}s loading into pandas)" if r["load"] else ""
        print(f"{approach:8s} {r['best']:8.3f}s  peak {r['peak_mb']:7.0f} MB{load}")
    floor, ours, pandas = (results[a]["best"] for a in ("sql", "foidesk", "pandas"))
    print(f"foidesk / SQL floor: {ours / floor:.2f}x   (target <= 1.3x)")
    print(f"pandas / foidesk:    {pandas / ours:.1f}x   (target >= 8x; tables only)")
    with_load = (pandas + results["pandas"]["load"]) / ours
    print(f"pandas incl. loading its frames / foidesk: {with_load:.1f}x")
    print(f"foidesk peak memory: {results['foidesk']['peak_mb']:.0f} MB (target < 2048 MB)")
    agree = results["sql"]["totals"] == results["foidesk"]["totals"] == results["pandas"]["totals"]
    print(f"table totals agree across all three: {agree}  {results['foidesk']['totals']}")


if __name__ == "__main__":
    main()
