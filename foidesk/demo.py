"""The demo behind ``make demo``: the seed request answered end to end on synthetic London.

It generates synthetic London, answers the seed's request file (tables, workbook, CSVs,
manifest with disclosure control), writes the redacted policy and its version-control
document, renders the response letter, and publishes the response to a demo disclosure
log. Everything lands under ``out/``; running it again gives the same numbers, with the
demo's register and log (``out/demo/foidesk.sqlite``) made afresh.

``disclosure_control_demo`` shows disclosure control on a request's tables, jointly and
table by table, and on a worked example where one table undoes another's protection.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml
from rich.console import Console

from foidesk.answers.answer import answer
from foidesk.cli.records import print_summary
from foidesk.db import upgrade
from foidesk.documents.illustrative import write_policy_documents
from foidesk.foi.letters import write_response
from foidesk.foi.personal_data import review_from_file
from foidesk.foi.register import Actor, Register
from foidesk.records.store import Store
from foidesk.records.synth import generate
from foidesk.settings import SETTINGS_ENV
from foidesk.stats.audit import audit
from foidesk.stats.cases import Case, write_cases
from foidesk.stats.compiler import Source, compute_table, unit_cells
from foidesk.stats.disclosure import DisclosurePolicy, protect
from foidesk.stats.linkage import disclosure_report, link_tables, write_audit_file
from foidesk.stats.specs import TableSpec, load_tables, parse_table
from foidesk.stats.suppression import primary_cells
from foidesk.stats.table import ComputedTable
from foidesk.web.disclosure_log import publish_answer

SEED_REQUEST = Path("examples/requests/01.FOI.24.035331.yaml")
MET_SETTINGS = Path("examples/settings/met.yaml")
# The reviewer's recorded decisions on what the log shows, so the demo needs no screen.
SEED_REVIEW = Path("examples/reviews/01.FOI.24.035331.yaml")
# The seed was answered on 3 June 2024: its data were extracted a few days before, so no
# table runs past 31 May 2024 and 2024 is a part year.
DEMO_EXTRACTED = date(2024, 5, 31)


def run_demo(
    out: Path = Path("out"), *, scale: float = 1.0, console: Console | None = None
) -> Path:
    """Run the whole seed case into ``out``; return the response folder."""
    console = console or Console()
    # The seed is the Met's request, answered as the Met's installation (unless the
    # environment names other settings, which the request file's authority must match).
    os.environ.setdefault(SETTINGS_ENV, str(MET_SETTINGS))
    work = out / "demo"
    work.mkdir(parents=True, exist_ok=True)
    store_path = work / "london.duckdb"
    register_db = work / "foidesk.sqlite"
    # A fresh desk each run: a request already in the register is not imported again, so
    # an old register would keep decisions an earlier run (or version) recorded.
    register_db.unlink(missing_ok=True)
    # The demo owns this database, as a command owns the one it is given: it migrates it
    # once, and nothing beneath it does.
    upgrade(register_db)
    reference = yaml.safe_load(SEED_REQUEST.read_text(encoding="utf-8"))["reference"]
    response_dir = out / reference

    console.rule("Synthetic London")
    snapshot = generate(
        store_path, scale=scale, years=(2015, 2024), seed=7, extracted=DEMO_EXTRACTED
    )
    print_summary(store_path, snapshot.snapshot_id, console)

    console.rule(f"Answering {reference}")
    manifest = answer(SEED_REQUEST, store_path, response_dir).manifest
    control = manifest.disclosure_control
    # Plain text: the summary says "[c]", which Rich would take for markup.
    console.print(
        f"{len(manifest.tables)} tables written to {response_dir}; "
        f"disclosure control: {control.summary if control else 'none'}",
        markup=False,
    )
    documents = write_policy_documents(response_dir, register_db)
    console.print("Policy documents: " + ", ".join(p.name for p in documents.values()))
    letters = write_response(SEED_REQUEST, register_db, response_dir, store=store_path)
    console.print("Letter: " + ", ".join(str(p) for p in letters.values()))

    console.rule("Disclosure log")
    with Register(register_db, migrate=False) as register:
        review_from_file(register, SEED_REVIEW, response_dir, Actor("disclosure officer"))
    console.print(f"Personal-data review recorded from {SEED_REVIEW}")
    url = publish_answer(register_db, reference, response_dir)
    console.print(f"Published at {url}")
    # The workspace computes tables from request files and the store, so serve names both.
    console.print(
        "To browse the log and the workspace:\n"
        f"  export {SETTINGS_ENV}={os.environ[SETTINGS_ENV]}\n"
        f"  .venv/bin/foidesk user add NAME --role officer --role reviewer --db {register_db}\n"
        f"  .venv/bin/foidesk serve --db {register_db} --answers {out} "
        f"--requests {SEED_REQUEST.parent} --store {store_path}\n"
        f"then open http://127.0.0.1:8000{url}",
        markup=False,
    )
    return response_dir


# A worked example for the demo: victims by year and sex (Table A) and by year (Table B).
# In 2021 the 4 can reach 5 only if the 1 falls to 0, which the Notes rule out, or the
# year total moves: protected alone, Table A hides two of its year totals; Table B
# publishes them.
_DEMO_VICTIMS = {2021: {"F": 4, "M": 1, "U": 0}, 2022: {"F": 12, "M": 20, "U": 9}}
_DEMO_VICTIMS[2023] = {"F": 7, "M": 6, "U": 8}


def _demo_specs() -> list[TableSpec]:
    years = {"period": {"unit": "year", "from": "2021-01-01", "to": "2023-12-31"}}
    base = {"counting_unit": "victim", "rows": [years]}
    return [
        parse_table(
            {**base, "id": "by_sex", "title": "Victims by year and sex", "columns": ["victim_sex"]},
            "demo",
            0,
        ),
        parse_table({**base, "id": "by_year", "title": "Victims by year"}, "demo", 1),
    ]


def _per_table_exposed(
    tables: list[ComputedTable], frames: Mapping[str, pa.Table], policy: DisclosurePolicy
) -> tuple[int, int]:
    """Cells each table hides when protected on its own, and how many of them the tables
    read together expose."""
    joint = link_tables(tables, frames).cells
    alone: list[str] = []
    for table in tables:
        alone += protect(link_tables([table], frames).cells, policy).suppressed
    primaries = primary_cells(joint, policy.sensitive_low, policy.high)
    requirements = {p: policy.requirement() for p in primaries}
    leak = audit(joint.audit_problem(alone, requirements, policy.hidden_at_least))
    return len(alone), len(leak.exposed)


def disclosure_control_demo(
    db: str | Path, request_file: str | Path, out_dir: str | Path
) -> dict[str, Any]:
    """Show disclosure control on a request's tables and on a worked example.

    Protects the request's tables on the store's latest snapshot jointly, audits them,
    writes ``out_dir/disclosure_audit.json``, and compares with protecting each table on
    its own; then shows, on two small linked tables of victims, a per-table pattern that
    the other table undoes. Returns the figures, and under ``said`` a sentence on each.
    """
    policy = DisclosurePolicy()
    specs = load_tables(request_file)
    with Store(db, read_only=True) as store:
        snapshot = store.snapshot()
        source = Source.from_store(store, snapshot)
        tables = [compute_table(spec, source) for spec in specs]
        frames = {t.id: unit_cells(t.spec, store, snapshot) for t in tables}
    joint = link_tables(tables, frames)
    started = time.perf_counter()
    outcome = protect(joint.cells, policy)
    seconds = time.perf_counter() - started
    write_audit_file(out_dir, disclosure_report(outcome, joint))
    alone, exposed = _per_table_exposed(tables, frames, policy)
    summary: dict[str, Any] = {
        "tables": len(tables),
        "cells": len(joint.cells.cells),
        "small_counts": len(outcome.suppression.primary) if outcome.suppression else 0,
        "hidden": len(outcome.suppressed),
        "status": outcome.suppression.status if outcome.suppression else "",
        "seconds": round(seconds, 2),
        "passed": outcome.passed,
        "per_table_hidden": alone,
        "per_table_exposed": exposed,
    }
    said = [
        f"Disclosure control: {summary['small_counts']} small counts in {len(tables)} "
        f"tables; {summary['hidden']} cells shown as [c] ({summary['status']}, "
        f"{summary['seconds']} s); audit {'passed' if outcome.passed else 'FAILED'}. "
        f"Protected one by one, the tables would hide {alone} cells, {exposed} exposed."
    ]
    cases = [
        Case(date(year, 1 + i % 12, 1), victims=(sex,), suspects=("M",), pairs=((0, 0, "XP"),))
        for year, by_sex in _DEMO_VICTIMS.items()
        for sex, n in by_sex.items()
        for i in range(n)
    ]
    with tempfile.TemporaryDirectory() as work, Store(Path(work) / "example.duckdb") as store:
        snapshot = write_cases(store, cases)
        source = Source.from_store(store, snapshot)
        example = [compute_table(spec, source) for spec in _demo_specs()]
        example_frames = {t.id: unit_cells(t.spec, store, snapshot) for t in example}
    alone, exposed = _per_table_exposed(example, example_frames, policy)
    together = protect(link_tables(example, example_frames).cells, policy)
    summary["example_per_table_exposed"] = exposed
    summary["example_joint_passed"] = together.passed
    said.append(
        f"Worked example (victims by year and sex, and by year): protected one table at a "
        f"time, {alone} cells hidden and {exposed} of them exposed by the other table; "
        f"protected together, {len(together.suppressed)} hidden, audit "
        f"{'passed' if together.passed else 'FAILED'}."
    )
    summary["said"] = said
    return summary


if __name__ == "__main__":
    run_demo()
