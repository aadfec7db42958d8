"""The demo behind ``make demo``: the seed request answered end to end on synthetic London.

It generates synthetic London, answers the seed's request file (tables, workbook, CSVs,
manifest with disclosure control), writes the redacted policy and its version-control
document, renders the response letter, and publishes the response to a demo disclosure
log. Everything lands under ``out/``; running it again gives the same numbers, with the
demo's register and log (``out/demo/foidesk.sqlite``) made afresh.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import yaml
from rich.console import Console

from foidesk.cli.records import print_summary
from foidesk.documents.illustrative import write_policy_documents
from foidesk.foi.letters import write_response
from foidesk.foi.personal_data import review_from_file
from foidesk.foi.register import Actor, Register
from foidesk.publish.answer import answer
from foidesk.records.synth import generate
from foidesk.settings import SETTINGS_ENV
from foidesk.web.log import publish_answer

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


if __name__ == "__main__":
    run_demo()
