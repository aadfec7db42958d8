"""How long disclosure control takes: the seed's six tables, and three linked 20x12 tables.

Run with ``.venv/bin/python benchmarks/disclosure.py [--scale 0.05]``. Each figure is
printed with its ratio to a baseline measured in the same run, so results compare across
machines:

- seed: protecting and auditing the six tables of request 01.FOI.24.035331 on synthetic
  London, against primary suppression plus the audit alone (what the interval audit
  costs without the secondary-suppression search).
- linked: three 20x12 tables (rows x three different 12-way splits of the same records,
  so every row total appears three times), against one such table alone.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from foidesk.publish.answer import read_request
from foidesk.records.store import Store
from foidesk.records.synth import generate
from foidesk.stats.audit import Cell, LinkedCells, audit
from foidesk.stats.compiler import Source, compute_table, unit_cells
from foidesk.stats.disclosure import DisclosurePolicy, protect
from foidesk.stats.linkage import link_tables
from foidesk.stats.suppression import primary_cells

SEED = Path(__file__).resolve().parents[1] / "examples" / "requests" / "01.FOI.24.035331.yaml"


def timed(run: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def primary_only(cells: LinkedCells, policy: DisclosurePolicy) -> Any:
    """The baseline: suppress the small counts and audit, with no secondary search."""
    primaries = primary_cells(cells, policy.sensitive_low, policy.high)
    return audit(cells.audit_problem(primaries, {p: policy.requirement() for p in primaries}))


def seed_cells(scale: float, workdir: Path) -> LinkedCells:
    db = workdir / "london.duckdb"
    generate(db, scale=scale, progress=False)
    request = read_request(SEED)
    with Store(db, read_only=True) as store:
        source = Source.from_store(store)
        tables = [compute_table(spec, source) for spec in request.tables]
        frames = {t.id: unit_cells(t.spec, store) for t in tables}
    return link_tables(tables, frames).cells


def linked_tables(n_tables: int, records: int = 2400, seed: int = 20) -> LinkedCells:
    """``n_tables`` tables of 20 rows by 12 columns over the same synthetic records."""
    rng = np.random.default_rng(seed)
    rows = rng.choice(20, size=records, p=rng.dirichlet(np.full(20, 2.0)))
    splits = [
        rng.choice(12, size=records, p=rng.dirichlet(np.full(12, 0.8))) for _ in range(n_tables)
    ]
    keys = np.stack([rows, *splits], axis=1)
    tuples, atom_of, counts = np.unique(keys, axis=0, return_inverse=True, return_counts=True)
    cells: list[Cell] = []
    for t in range(n_tables):
        name = f"T{t + 1}"
        interior: dict[tuple[int, int], list[int]] = {}
        for k, (r, *split) in enumerate(tuples):
            interior.setdefault((int(r), int(split[t])), []).append(k)

        def add(label: tuple[str, str], members: list[int], table: str = name) -> None:
            atoms = tuple(sorted(members))
            value = int(counts[list(atoms)].sum()) if atoms else 0
            cells.append(Cell(f"{table}|{label[0]}|{label[1]}", table, label, value, atoms))

        for r in range(20):
            for c in range(12):
                add((f"r{r}", f"c{c}"), interior.get((r, c), []))
            add((f"r{r}", "Total"), [k for c in range(12) for k in interior.get((r, c), [])])
        for c in range(12):
            add(("Total", f"c{c}"), [k for r in range(20) for k in interior.get((r, c), [])])
        add(("Total", "Total"), list(range(len(counts))))
    del atom_of
    return LinkedCells(cells, counts)


def report(label: str, seconds: float, baseline: float, detail: str) -> None:
    print(f"{label:<44} {seconds:8.2f} s  x{seconds / baseline:6.1f}  {detail}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.05, help="synthetic London scale")
    parser.add_argument("--time-limit", type=float, default=600.0, help="solver seconds")
    args = parser.parse_args()
    policy = DisclosurePolicy(time_limit=args.time_limit)

    with tempfile.TemporaryDirectory() as workdir:
        cells = seed_cells(args.scale, Path(workdir))
    base, _ = timed(lambda: primary_only(cells, policy))
    spent, outcome = timed(lambda: protect(cells, policy))
    print(f"seed request, six tables, synthetic London at scale {args.scale:g}")
    report("primary suppression + audit (baseline)", base, base, "")
    report(
        "protect + audit, six tables jointly",
        spent,
        base,
        f"{len(cells.cells)} cells, {cells.n_atoms} atoms, "
        f"{len(outcome.suppression.primary)} primary + {len(outcome.suppression.secondary)} "
        f"secondary, {outcome.suppression.status}, audit "
        f"{'pass' if outcome.passed else 'FAIL'}",
    )

    single = linked_tables(1)
    three = linked_tables(3)
    one_time, one = timed(lambda: protect(single, policy))
    three_time, joint = timed(lambda: protect(three, policy))
    print("three linked 20x12 tables (fixed seed)")
    for label, seconds, cells_, result in (
        ("one 20x12 table (baseline)", one_time, single, one),
        ("three linked 20x12 tables", three_time, three, joint),
    ):
        report(
            label,
            seconds,
            one_time,
            f"{len(cells_.cells)} cells, {cells_.n_atoms} atoms, "
            f"{len(result.suppression.primary)} primary + {len(result.suppression.secondary)} "
            f"secondary, {result.suppression.solves} solves, {result.suppression.status}, "
            f"audit {'pass' if result.passed else 'FAIL'}",
        )


if __name__ == "__main__":
    main()
