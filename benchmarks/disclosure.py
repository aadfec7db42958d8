"""Disclosure control against its peer, Tau-Argus: cells and value hidden, time, verdicts.

Run with ``.venv/bin/python benchmarks/disclosure.py [--scale 10] [--db london.duckdb]``
after ``make bench`` (which installs the ``bench`` extra, ``pytauargus``: the Tau-Argus
engine with HiGHS). Cases:

- seed: the six tables of request 01.FOI.24.035331 on synthetic London (linked: Tables 3
  and 5 share their yearly crime counts, Tables 1 and 4 their 2023 pairs);
- one 20x12 table; three linked 20x12 tables (the same rows, three different 12-way
  splits of the same records); 32 boroughs x 10 years x 3 sexes (one table with every
  margin).

Both tools get the same requirement. foidesk: counts 1 to 4 are primary, and an attacker
must not be able to rule out 5 for any of them. Tau-Argus: the same primaries, set
unsafe through an a-priori file with protection levels ``PL value, 5 - value`` (so it
must keep 0 and 5 possible: it does not know that a [c] is at least 1); the file starts
with a cost line (the grand total at its own value, which changes nothing) because
pytauargus reads the first line's field count as if its one trailing number were the
cost. Tau-Argus protects one table at a time, so on linked cases it runs per table and
its pattern is then audited jointly.

Each pattern (foidesk's and Tau-Argus's) is judged three ways: Tau-Argus's own audit
(per table), foidesk's audit of the requirement Tau-Argus was given (real numbers, every
[c] free to be 0, 0 and 5 both possible), and foidesk's audit now: the attacker who reads
the Notes (every [c] at least 1, whole numbers, 5 possible, no [c] exact). A failure is a
finding, printed, not an error.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from foidesk.answers.answer import read_request
from foidesk.records.store import Store
from foidesk.records.synth import generate
from foidesk.stats.audit import Cell, LinkedCells, Requirement, audit
from foidesk.stats.compiler import Source, compute_table, unit_cells
from foidesk.stats.disclosure import DisclosurePolicy, protect
from foidesk.stats.linkage import cell_id, link_tables
from foidesk.stats.suppression import primary_cells, secondary_suppression
from foidesk.stats.table import TOTAL

SEED = Path(__file__).resolve().parents[1] / "examples" / "requests" / "01.FOI.24.035331.yaml"
POLICY = DisclosurePolicy(time_limit=120.0)
LOW, HIGH, UP_TO = POLICY.low, POLICY.high, POLICY.high + 1


@dataclass
class Grid:
    """One table as Tau-Argus sees it: its dimensions and the codes of its cells.

    ``codes`` maps each cell's codes (one per dimension, ``Total`` for a margin) to its
    foidesk cell id; ``interior`` holds the non-empty interior cells' values.
    """

    name: str
    n_dims: int
    codes: dict[tuple[str, ...], str]
    interior: dict[tuple[str, ...], int]


@dataclass
class Case:
    label: str
    cells: LinkedCells
    grids: list[Grid]


def _code(prefix: str, index: int) -> str:
    # Fixed width, no spaces or commas: Tau-Argus pads codes and splits a-priori lines.
    return f"{prefix}{index:03d}"


def records_case(label: str, keys: np.ndarray, tables: dict[str, Sequence[int]]) -> Case:
    """Tables of every combination of categories (and margins) over the same records.

    ``keys`` has one row per record and one column per variable (category indexes);
    ``tables`` names each table's variables. Every distinct record key is an atom.
    """
    tuples, counts = np.unique(keys, axis=0, return_counts=True)
    sizes = keys.max(axis=0) + 1
    cells: list[Cell] = []
    grids = []
    for name, dims in tables.items():
        codes: dict[tuple[str, ...], str] = {}
        interior: dict[tuple[str, ...], int] = {}
        for combo in itertools.product(*[[*range(sizes[d]), None] for d in dims]):
            mask = np.ones(len(tuples), dtype=bool)
            for d, v in zip(dims, combo, strict=True):
                if v is not None:
                    mask &= tuples[:, d] == v
            atoms = tuple(int(k) for k in np.flatnonzero(mask))
            labels = tuple(
                TOTAL if v is None else _code(f"v{d}_", v) for d, v in zip(dims, combo, strict=True)
            )
            value = int(counts[list(atoms)].sum()) if atoms else 0
            cid = f"{name}|{'|'.join(labels)}"
            cells.append(Cell(cid, name, labels, value, atoms))
            codes[labels] = cid
            if None not in combo and value:
                interior[labels] = value
        grids.append(Grid(name, len(dims), codes, interior))
    return Case(label, LinkedCells(cells, counts), grids)


def synthetic_cases() -> list[Case]:
    rng = np.random.default_rng(20)
    records = 2400
    rows = rng.choice(20, size=records, p=rng.dirichlet(np.full(20, 2.0)))
    splits = [rng.choice(12, size=records, p=rng.dirichlet(np.full(12, 0.8))) for _ in range(3)]
    keys = np.stack([rows, *splits], axis=1)
    one = records_case("one 20x12 table", keys[:, :2], {"T1": (0, 1)})
    three = records_case(
        "three linked 20x12 tables", keys, {f"T{t + 1}": (0, t + 1) for t in range(3)}
    )
    # Offences by borough, year and victim sex: boroughs and years of unequal size, and
    # a small third sex ("not recorded").
    crimes = 6000
    borough = rng.choice(32, size=crimes, p=rng.dirichlet(np.full(32, 3.0)))
    year = rng.choice(
        10, size=crimes, p=np.linspace(0.04, 0.16, 10) / np.linspace(0.04, 0.16, 10).sum()
    )
    sex = rng.choice(3, size=crimes, p=[0.72, 0.25, 0.03])
    boroughs = records_case(
        "32 boroughs x 10 years x 3 sexes",
        np.stack([borough, year, sex], axis=1),
        {"B": (0, 1, 2)},
    )
    return [one, three, boroughs]


def seed_case(scale: float, db: Path | None) -> Case:
    with tempfile.TemporaryDirectory() as workdir:
        path = db or Path(workdir) / "london.duckdb"
        if not path.exists():
            generate(path, scale=scale)
        request = read_request(SEED)
        with Store(path, read_only=True) as store:
            snapshot = store.snapshot()
            source = Source.from_store(store, snapshot)
            tables = [compute_table(spec, source) for spec in request.tables]
            frames = {t.id: unit_cells(t.spec, store, snapshot) for t in tables}
    cells = link_tables(tables, frames).cells
    grids = []
    for table in tables:
        n_dims = 2 if table.spec.columns else 1
        row_codes = {k: _code("r", i) for i, k in enumerate(table.row_keys)}
        column_codes = {k: _code("c", j) for j, k in enumerate(table.column_keys)}
        codes: dict[tuple[str, ...], str] = {}
        interior: dict[tuple[str, ...], int] = {}
        for tc in table.cells():
            row = TOTAL if set(tc.row) == {TOTAL} else row_codes[tc.row]
            column = TOTAL if set(tc.column) == {TOTAL} else column_codes.get(tc.column, TOTAL)
            key = (row, column)[:n_dims]
            codes[key] = cell_id(table.id, tc.key)
            if not tc.is_total and tc.value:
                interior[key] = tc.value
        grids.append(Grid(table.id, n_dims, codes, interior))
    label = f"seed, six linked tables, synthetic London at scale {scale:g}"
    return Case(label, cells, grids)


# -- Tau-Argus ---------------------------------------------------------------------------


@dataclass
class PeerRun:
    hidden: set[str]
    seconds: float
    audit_passed: bool


def tau_argus(
    grid: Grid, primaries: dict[str, int], workdir: Path, pattern: set[str] | None
) -> PeerRun:
    """Protect one table with Tau-Argus OPT, or (with ``pattern``) only audit that pattern."""
    from pytauargus.engine import run_batch
    from pytauargus.micro import micro_asc_rda
    from pytauargus.result import TableResult

    workdir.mkdir(parents=True, exist_ok=True)
    names = [f"d{i}" for i in range(grid.n_dims)]
    micro: dict[str, list] = {n: [] for n in [*names, "n"]}
    for key, value in grid.interior.items():
        for n, code in zip(names, key, strict=True):
            micro[n].append(code)
        micro["n"].append(float(value))
    asc, rda = workdir / "micro.asc", workdir / "micro.rda"
    micro_asc_rda(micro, asc_filename=str(asc), rda_filename=str(rda), totcode=TOTAL)
    by_id = {cid: key for key, cid in grid.codes.items()}
    grand = (TOTAL,) * grid.n_dims
    lines = [",".join([*grand, "c", str(sum(grid.interior.values()))])]
    for cid, value in primaries.items():
        key = list(by_id[cid])
        lines += [",".join([*key, "u"]), ",".join([*key, "pl", str(value), str(UP_TO - value)])]
    for cid in sorted(pattern or set()):
        if cid not in primaries:
            lines.append(",".join([*by_id[cid], "m"]))
    hst = workdir / "apriori.hst"
    hst.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = workdir / "table.tab"
    batch = [
        f'<OPENMICRODATA> "{asc}"',
        f'<OPENMETADATA> "{rda}"',
        "<SPECIFYTABLE> " + "".join(f'"{n}"' for n in names) + '|"n"||',
        "<SAFETYRULE> ",
        "<READMICRODATA>",
        f'<APRIORI> "{hst}",1,",",0,0',
        *([] if pattern is not None else ["<SUPPRESS> OPT(1,600)"]),
        f'<WRITETABLE> (1,5,SO+,"{out}")',
        "",
    ]
    arb = workdir / "batch.arb"
    arb.write_text("\n".join(batch), encoding="utf-8")
    # The engine writes its solver logs to the working directory.
    here = os.getcwd()
    os.chdir(workdir)
    try:
        started = time.perf_counter()
        engine = run_batch(str(arb))
        seconds = time.perf_counter() - started
        findings = engine.audit(0)
    finally:
        os.chdir(here)
    rows = TableResult(path=str(out), exp_vars=names, response="n", is_freq=False).rows
    hidden = {
        grid.codes[tuple(str(r[n]).strip() for n in names)]
        for r in rows
        if r["status"] in ("U", "M")
    }
    return PeerRun(hidden, seconds, not any(f["unsafe"] for f in findings))


# -- the three verdicts ------------------------------------------------------------------


def verdicts(case: Case, hidden: set[str], primaries: list[str], workdir: Path) -> dict[str, str]:
    cells = case.cells
    margins = {p: Requirement(lower_at_most=0, upper_at_least=UP_TO) for p in primaries}
    as_given = audit(cells.audit_problem(sorted(hidden), margins), whole_numbers=False)
    notes = {p: POLICY.requirement() for p in primaries}
    problem = cells.audit_problem(sorted(hidden), notes, POLICY.hidden_at_least)
    # Real numbers first: what they expose, whole numbers expose too (and they are quick).
    now = audit(problem, whole_numbers=False)
    at_least = bool(now.exposed)
    if not at_least:
        # The true counts as a point to start from, as protect() gives them.
        now = audit(problem, points=[cells.atom_values])
    values = {c.id: c.value for c in cells.cells}
    peer_ok = True
    for grid in case.grids:
        own = {cid for cid in grid.codes.values() if cid in hidden}
        mine = {p: values[p] for p in primaries if p in grid.codes.values()}
        if mine:
            peer_ok &= tau_argus(grid, mine, workdir / f"audit-{grid.name}", own).audit_passed

    def say(result: object, at_least: bool = False) -> str:
        exposed = len(result.exposed)  # type: ignore[attr-defined]
        return "pass" if not exposed else f"FAIL ({'>=' if at_least else ''}{exposed})"

    return {
        "tau-argus audit": "pass" if peer_ok else "FAIL",
        "0..5, reals": say(as_given),
        "notes attacker": say(now, at_least),
    }


def _ours(case_number: int, scale: float, db: Path | None, out: Path) -> None:
    """foidesk's two patterns for one case, written to ``out`` (run in its own process)."""
    case = seed_case(scale, db) if case_number == 0 else synthetic_cases()[case_number - 1]
    cells = case.cells
    primaries = primary_cells(cells, LOW, HIGH)
    started = time.perf_counter()
    outcome = protect(cells, POLICY)
    ours_seconds = time.perf_counter() - started
    result = {
        "foidesk": {
            "hidden": sorted(outcome.suppressed),
            "seconds": ours_seconds,
            "status": outcome.suppression.status if outcome.suppression else "",
            "solves": outcome.suppression.solves if outcome.suppression else 0,
        }
    }
    out.write_text(json.dumps(result), encoding="utf-8")
    # foidesk held to the requirement Tau-Argus is given (0 and 5 possible, reals).
    margins = {p: Requirement(lower_at_most=0, upper_at_least=UP_TO) for p in primaries}
    started = time.perf_counter()
    alike = secondary_suppression(
        cells, primaries, margins, hidden_at_least=0, time_limit=POLICY.time_limit
    )
    result["foidesk 0..5"] = {
        "hidden": sorted(alike.suppressed),
        "seconds": time.perf_counter() - started,
        "status": alike.status,
        "solves": alike.solves,
    }
    out.write_text(json.dumps(result), encoding="utf-8")


def run_case(
    case_number: int, scale: float, db: Path | None, workdir: Path, case_seconds: float
) -> None:
    if case_number == 0 and db is None:
        db = workdir / "london.duckdb"  # made once, read again by foidesk's process
    case = seed_case(scale, db) if case_number == 0 else synthetic_cases()[case_number - 1]
    cells = case.cells
    values = {c.id: c.value for c in cells.cells}
    labels = {c.id: c.labels for c in cells.cells}
    primaries = primary_cells(cells, LOW, HIGH)
    print(
        f"\n{case.label}: {len(cells.cells)} cells, {cells.n_atoms} atoms, "
        f"{len(primaries)} small counts"
        + (f", {len(case.grids)} tables (Tau-Argus per table)" if len(case.grids) > 1 else ""),
        flush=True,
    )
    # foidesk in its own process, so that a search that runs too long is stopped and
    # Tau-Argus's figures are printed all the same; one after the other, so that neither
    # slows the other's clock.
    found = workdir / "foidesk.json"
    command = [sys.executable, __file__, f"--scale={scale}", f"--ours={case_number}"]
    command += [f"--db={db}"] if db else []
    command += [f"--out={found}"]
    with subprocess.Popen(command) as ours:
        try:
            ours.wait(timeout=case_seconds)
        except subprocess.TimeoutExpired:
            ours.kill()
    peer: set[str] = set()
    peer_seconds = 0.0
    for grid in case.grids:
        mine = {p: values[p] for p in primaries if p in grid.codes.values()}
        if mine:
            run = tau_argus(grid, mine, workdir / f"opt-{grid.name}", None)
            peer |= run.hidden
            peer_seconds += run.seconds
    results = json.loads(found.read_text(encoding="utf-8")) if found.exists() else {}

    header = f"  {'':<13}{'cells':>7}{'totals':>7}{'value':>9}{'seconds':>9}  "
    rows = []
    runs = [(n, results.get(n)) for n in ("foidesk", "foidesk 0..5")]
    runs.append(("Tau-Argus", {"hidden": sorted(peer), "seconds": peer_seconds}))
    for name, run in runs:
        if run is None:
            rows.append(f"  {name:<13}no result within {case_seconds:g} s")
            continue
        hidden = set(run["hidden"])
        judged = verdicts(case, hidden, primaries, workdir / name)
        named = "  ".join(f"{k:<16}" for k in judged)
        if named not in header:
            header += named
        value = sum(values[c] for c in hidden)
        totals = sum(TOTAL in labels[c] for c in hidden)
        status = f"  ({run['status']})" if run.get("status", "optimal") != "optimal" else ""
        rows.append(
            f"  {name:<13}{len(hidden):>7}{totals:>7}{value:>9}{run['seconds']:>9.2f}  "
            + "  ".join(f"{v:<16}" for v in judged.values())
            + status
        )
    print(header)
    print("\n".join(rows))
    peer_time = max(peer_seconds, 1e-9)
    ratios = [
        f"{name} {results[name]['seconds'] / peer_time:.1f}"
        for name in ("foidesk", "foidesk 0..5")
        if name in results
    ]
    if ratios:
        print(
            "  time ratio to Tau-Argus: " + ", ".join(ratios) + " (foidesk with its audit; "
            "0..5 the search alone)",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=10.0, help="synthetic London scale")
    parser.add_argument("--db", type=Path, help="a synthetic London to use (made if missing)")
    parser.add_argument("--skip-seed", action="store_true", help="only the synthetic tables")
    parser.add_argument(
        "--case-seconds", type=float, default=300.0, help="give up on a case after this long"
    )
    parser.add_argument("--case", type=int, help="run only this case (0: the seed)")
    parser.add_argument("--ours", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.ours is not None:
        _ours(args.ours, args.scale, args.db, args.out)
        return
    try:
        import pytauargus
    except ImportError:
        raise SystemExit("pytauargus is missing: run `make bench` (the bench extra)") from None
    print(
        f"foidesk against Tau-Argus (pytauargus {pytauargus.__version__}, OPT); foidesk's "
        f"search limited to {POLICY.time_limit:g} s, each case to {args.case_seconds:g} s",
        flush=True,
    )
    numbers = [args.case] if args.case is not None else range(0 if not args.skip_seed else 1, 4)
    for n in numbers:
        with tempfile.TemporaryDirectory() as workdir:
            run_case(n, args.scale, args.db, Path(workdir), args.case_seconds)


if __name__ == "__main__":
    main()
