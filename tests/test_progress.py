"""Long library work reports progress through one callback shape and draws nothing itself.

Each library function is called with a callback that records what it hears; only the
command line turns those reports into a Rich bar.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from datetime import date
from pathlib import Path

import foidesk
from foidesk.answers.answer import answer, read_request
from foidesk.documents.redaction import redact
from foidesk.documents.rules import pair_rules
from foidesk.records.ingest import load
from foidesk.records.mapping import Mapping
from foidesk.records.synth import generate
from tests.documents.document_builders import html_pdf

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = Path(foidesk.__file__).parent
POLICE_UK = ROOT / "examples" / "mappings" / "police_uk_city_of_london.yaml"
SEED = ROOT / "examples" / "requests" / "01.FOI.24.035331.yaml"

Event = tuple[str, int, int]


def _recorder() -> tuple[list[Event], object]:
    heard: list[Event] = []

    def progress(stage: str, done: int, total: int) -> None:
        heard.append((stage, done, total))

    return heard, progress


def test_synth_reports_each_part_stored(tmp_path: Path) -> None:
    heard, progress = _recorder()
    snap = generate(
        tmp_path / "s.duckdb", scale=0.01, years=(2024, 2024), part_crimes=400, progress=progress
    )
    total = heard[-1][2]
    # At least three parts of 400 crimes, and the last part holds the reference tables.
    assert total >= snap.row_counts["crimes"] // 400 + 1 >= 3
    assert heard == [("generating and storing", n, total) for n in range(1, total + 1)]


def test_a_load_reports_each_source_then_mapping_checks_and_writing(tmp_path: Path) -> None:
    heard, progress = _recorder()
    load(POLICE_UK, tmp_path / "s.duckdb", progress=progress)
    mapping = Mapping(POLICE_UK)
    stages = [f"read {name}" for name in mapping.sources] + ["mapped", "checked", "written"]
    assert len(mapping.sources) >= 2
    assert heard == [
        (f"{mapping.name}: {stage}", n, len(stages)) for n, stage in enumerate(stages, start=1)
    ]


def test_an_answer_reports_each_table_computed(tmp_path: Path) -> None:
    db = tmp_path / "london.duckdb"
    generate(db, scale=0.01, years=(2015, 2024), extracted=date(2024, 5, 31))
    heard, progress = _recorder()
    answer(SEED, db, tmp_path / "out", progress=progress)
    ids = [table.id for table in read_request(SEED).tables]
    assert len(ids) == 6
    assert heard == [(f"table {id_} computed", n, 6) for n, id_ in enumerate(ids, start=1)]


def test_a_redaction_reports_each_page_redacted_and_verified(tmp_path: Path) -> None:
    pages = "".join(
        f'<p style="page-break-after: always">Page {n}: Operation Nightjar.</p>' for n in (1, 2)
    )
    source = html_pdf(tmp_path / "in.pdf", pages)
    heard, progress = _recorder()
    rules = pair_rules(["Operation Nightjar"], [], [], [], [], ["s31(1)(a)"])
    redact(source, tmp_path / "out.pdf", rules, progress=progress)
    assert [e for e in heard if e[0] == "redacting"] == [("redacting", 1, 2), ("redacting", 2, 2)]
    assert [e for e in heard if e[0] == "verifying"] == [("verifying", 1, 2), ("verifying", 2, 2)]


def _library_modules() -> list[tuple[str, Path]]:
    """Every module of the package but the command line, the demo and the migrations."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        name = ".".join(parts)
        if name.startswith(("foidesk.cli", "foidesk.demo", "foidesk.__main__")):
            continue
        if ".migrations" not in name:
            found.append((name, path))
    return found


def test_no_library_module_imports_a_terminal_ui() -> None:
    drawing = []
    for name, path in _library_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                targets = [node.module or ""]
            else:
                continue
            drawing += [f"{name}: {t}" for t in targets if t.split(".")[0] in ("rich", "typer")]
    assert drawing == []


def test_importing_the_library_loads_no_progress_bar_or_console() -> None:
    # ibis, a dependency, imports rich's colour tables itself; the drawing parts must not load.
    names = [name for name, _ in _library_modules()]
    script = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "ui = ('rich.progress', 'rich.console', 'rich.live', 'rich.table', 'typer')\n"
        "print(sorted(m for m in sys.modules if m in ui))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert len(names) > 50
    assert run.stdout.strip() == "[]"
