"""The seed request answered on a small synthetic London, protected and re-audited.

The six tables are protected together (Tables 3 and 5 share their yearly crime counts;
Tables 1 and 4 share victim-suspect pairs of 2023), written with the publishing
workbook writer, and then checked as a reader would find them: `foidesk audit` on the
answer directory, and every XML part of the .xlsx scanned for a withheld figure.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections import Counter
from pathlib import Path
from xml.etree import ElementTree

import pytest
from typer.testing import CliRunner

from foidesk.answers.answer import earlier_package, read_request, write_answer
from foidesk.answers.notes import notes_page
from foidesk.answers.package import DisclosureControl
from foidesk.answers.workbook import sheet_name
from foidesk.cli import app
from foidesk.demo import disclosure_control_demo
from foidesk.records.store import Store
from foidesk.records.synth import generate
from foidesk.stats.audit import AUDIT_FILE, AuditProblem, audit
from foidesk.stats.compiler import Source, compute_table
from foidesk.stats.disclosure import SUPPRESSED
from foidesk.stats.linkage import apply_disclosure_control, write_audit_file
from foidesk.stats.table import ComputedTable

SEED = Path(__file__).resolve().parents[2] / "examples" / "requests" / "01.FOI.24.035331.yaml"
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
RELS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


@pytest.fixture(scope="module")
def answered(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("seed")
    db = root / "london.duckdb"
    generate(db, scale=0.02)
    request = read_request(SEED)
    with Store(db, read_only=True) as store:
        snapshot = store.snapshot()
        source = Source.from_store(store, snapshot)
        computed = [compute_table(spec, source) for spec in request.tables]
        page = notes_page(computed, request.notes, snapshot, source, request_file=str(SEED))
        protected, report = apply_disclosure_control(
            computed, request.disclosure_control, store=store, snapshot=snapshot
        )
    out = root / "answer"
    write_audit_file(out, report)
    manifest = write_answer(request, snapshot, protected, page, report, out).to_json()
    return {
        "db": db,
        "out": out,
        "computed": computed,
        "protected": protected,
        "manifest": manifest,
    }


def test_the_seed_answer_passes_foidesk_audit(answered: dict) -> None:
    result = CliRunner().invoke(app, ["audit", str(answered["out"])])
    assert result.exit_code == 0, result.output
    report = answered["manifest"]["disclosure_control"]
    lines = result.output.strip().splitlines()
    assert len(lines) == len(report["suppressed"]) + 1
    assert lines[-1].endswith("0 exposed: pass")
    assert report["passed"] and report["solver"]["status"] == "optimal"
    assert "audit_problem" not in report  # moved to its own internal file
    assert "primary" not in report and "secondary" not in report
    assert report["applied"] and report["cells_marked"] == len(report["pattern"])
    assert (
        report["summary"]
        == f"{len(report['suppressed'])} cells shown as [c]; audit passed (HiGHS optimal)"
    )
    problem = AuditProblem.read(answered["out"])
    small = [c for c in problem.cells if c.requirement and c.requirement.upper_at_least]
    assert small, "a small synthetic London has small counts"


def test_whole_number_audit_agrees_on_the_seed(answered: dict) -> None:
    """The seed's tables are two-way, so the real-valued intervals are already whole."""
    problem = AuditProblem.read(answered["out"])
    real = {i.cell: (i.low, i.high) for i in audit(problem, whole_numbers=False).intervals}
    whole = {i.cell: (i.low, i.high) for i in audit(problem).intervals}
    assert whole == real
    assert all(low >= 1 for low, _ in whole.values())  # the Notes: every [c] is at least 1


def test_the_same_snapshot_gives_the_same_pattern(answered: dict) -> None:
    with Store(answered["db"], read_only=True) as store:
        request = read_request(SEED)
        _, again = apply_disclosure_control(
            answered["computed"], request.disclosure_control, store=store
        )
    again.pop("audit_problem")
    # The whole manifest section is the same, not only the pattern: no timings in it.
    section = DisclosureControl.model_validate(again).model_dump(mode="json")
    assert section == answered["manifest"]["disclosure_control"]


def test_markers_are_exactly_the_pattern(answered: dict) -> None:
    pattern = {
        (p["table"], tuple(p["row"]), tuple(p["column"]))
        for p in answered["manifest"]["disclosure_control"]["pattern"]
    }
    marked = {
        (t.id, row, column)
        for t in answered["protected"]
        for (row, column), marker in t.markers.items()
        if marker == SUPPRESSED
    }
    assert marked == pattern
    # Every primary count (1 to 4) of the computed tables carries [c].
    small = {
        (t.id, c.row, c.column)
        for t in answered["computed"]
        for c in t.cells()
        if 1 <= c.value <= 4
    }
    assert small <= marked


def test_the_audit_file_holds_no_withheld_figure(answered: dict) -> None:
    data = json.loads((answered["out"] / AUDIT_FILE).read_text())
    assert set(data) == {"format", "n_atoms", "cells", "seconds"}
    assert set(data["seconds"]) == {"total", "search", "audit"}
    hidden = [c for c in data["cells"] if c["value"] is None]
    shown = [c for c in data["cells"] if c["value"] is not None]
    assert len(hidden) == len(answered["manifest"]["disclosure_control"]["suppressed"])
    keys = {"id", "table", "labels", "atoms", "value", "requirement", "at_least"}
    assert all(set(c) == keys and c["at_least"] == 1 for c in hidden)
    assert all("requirement" not in c for c in shown)
    # The audit file is not one of the published attachments.
    assert AUDIT_FILE not in [f["path"] for f in answered["manifest"]["files"]]


def test_a_tampered_pattern_fails_the_audit(answered: dict, tmp_path: Path) -> None:
    problem = AuditProblem.read(answered["out"])
    values = {
        f"{t.id} | {' / '.join(c.row) or '-'} | {' / '.join(c.column) or '-'}": c.value
        for t in answered["computed"]
        for c in t.cells()
    }
    # Publish every complementary cell: the small counts are then exposed.
    for i, cell in enumerate(problem.cells):
        if cell.suppressed and cell.requirement.upper_at_least is None:
            problem.cells[i] = cell.__class__(
                cell.id, cell.table, cell.labels, cell.atoms, values[cell.id], None
            )
    problem.write(tmp_path)
    result = CliRunner().invoke(app, ["audit", str(tmp_path)])
    assert result.exit_code == 1
    assert "EXPOSED" in result.output and result.output.strip().endswith(")")
    assert not audit(problem).passed


def test_demo_protects_the_seed_and_shows_a_per_table_leak(answered: dict, tmp_path: Path) -> None:
    summary = disclosure_control_demo(answered["db"], SEED, tmp_path)
    assert summary["tables"] == 6 and summary["passed"] and summary["status"] == "optimal"
    assert summary["hidden"] == len(answered["manifest"]["disclosure_control"]["pattern"])
    assert summary["example_per_table_exposed"] == 4 and summary["example_joint_passed"]
    assert "4 of them exposed by the other table" in summary["said"][1]
    assert audit(AuditProblem.read(tmp_path)).passed


def test_audit_of_a_directory_without_the_file_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["audit", str(tmp_path)])
    assert result.exit_code == 2
    assert AUDIT_FILE in result.output


def test_a_broken_audit_file_names_the_cell_and_field(answered: dict, tmp_path: Path) -> None:
    data = json.loads((answered["out"] / AUDIT_FILE).read_text())
    del data["cells"][3]["atoms"]
    (tmp_path / AUDIT_FILE).write_text(json.dumps(data))
    result = CliRunner().invoke(app, ["audit", str(tmp_path)])
    assert result.exit_code == 2
    assert "cell 3: bad or missing field" in result.output and "atoms" in result.output


def test_earlier_package_reads_back_its_pattern(answered: dict) -> None:
    earlier = earlier_package(SEED, answered["out"])
    assert earlier.reference == "01.FOI.24.035331"
    assert len(earlier.specs) == 6
    assert len(earlier.suppressed) == len(answered["manifest"]["disclosure_control"]["pattern"])


# -- the workbook -------------------------------------------------------------------------


def _sheet_parts(book: zipfile.ZipFile) -> dict[str, str]:
    workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target") for r in rels}
    return {
        s.get("name"): "xl/" + targets[s.get(RELS)].removeprefix("/xl/")
        for s in workbook.find("m:sheets", NS)
    }


def _shared_strings(book: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in book.namelist():
        return []
    root = ElementTree.fromstring(book.read("xl/sharedStrings.xml"))
    return ["".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t")) for si in root]


def _cells(book: zipfile.ZipFile, part: str, strings: list[str]) -> list[tuple[str, str, bool]]:
    """(type, shown text, has formula) for every cell of a sheet part."""
    root = ElementTree.fromstring(book.read(part))
    out = []
    for c in root.iter(f"{{{NS['m']}}}c"):
        kind = c.get("t", "n")
        v = c.find("m:v", NS)
        text = (
            "".join(t.text or "" for t in c.iter(f"{{{NS['m']}}}t"))
            if kind == "inlineStr"
            else None
        )
        if v is not None:
            text = strings[int(v.text)] if kind == "s" else v.text
        out.append((kind, text or "", c.find("m:f", NS) is not None))
    return out


def _published_numbers(table: ComputedTable) -> Counter:
    return Counter(str(c.value) for c in table.cells() if c.marker is None)


def test_the_workbook_never_holds_a_withheld_figure(answered: dict) -> None:
    path = answered["out"] / "tables.xlsx"
    with zipfile.ZipFile(path) as book:
        names = book.namelist()
        # No comments, notes, threaded comments, custom XML or custom properties at all.
        assert not [n for n in names if re.search(r"comment|vmlDrawing|customXml|custom\.xml", n)]
        strings = _shared_strings(book)
        parts = _sheet_parts(book)
        workbook_xml = book.read("xl/workbook.xml").decode()
        assert 'state="hidden"' not in workbook_xml and "veryHidden" not in workbook_xml
        for name in re.findall(r"<definedName[^>]*>([^<]*)</definedName>", workbook_xml):
            assert "!" in name, f"defined name is not a reference: {name}"
        labels = {
            label
            for t in answered["protected"]
            for key in t.row_keys + t.column_keys
            for label in key
        }
        for table in answered["protected"]:
            part = parts[sheet_name(table.id)]
            sheet_xml = book.read(part).decode()
            assert "hidden=" not in sheet_xml
            cells = _cells(book, part, strings)
            assert not any(formula for _, _, formula in cells)
            numbers = Counter(text for kind, text, _ in cells if kind == "n" and text)
            # The numbers on the sheet are exactly the published figures: nothing withheld
            # is stored anywhere on it, not even in a cell nobody would look at.
            assert numbers == _published_numbers(table), table.id
            marked = sum(1 for m in table.markers.values() if m == SUPPRESSED)
            assert sum(1 for _, text, _ in cells if text == SUPPRESSED) == marked
        # Nowhere else: the only other numbers are the Notes sheet's note numbers 1, 2, ...
        # and the only numeric strings are labels (years).
        for name, part in parts.items():
            if name in {sheet_name(t.id) for t in answered["protected"]}:
                continue
            numbers = [t for k, t, _ in _cells(book, part, strings) if k == "n" and t]
            expected = [str(i) for i in range(1, len(numbers) + 1)] if name == "Notes" else []
            assert numbers == expected, name
        assert {s for s in strings if s.strip().isdigit()} <= labels
        for prop in [n for n in names if n.startswith("docProps/")]:
            text = book.read(prop).decode()
            numbers = {v for v in re.findall(r">([^<]+)<", text) if v.strip().isdigit()}
            # app.xml counts the worksheets (and says DocSecurity 0); nothing else is a number.
            allowed = {"0", str(len(parts))} if prop == "docProps/app.xml" else set()
            assert numbers <= allowed, prop


def test_the_manifest_gives_cells_and_value_hidden_per_table(answered: dict) -> None:
    report = answered["manifest"]["disclosure_control"]
    expected = {}
    for table in answered["computed"]:
        marked = next(t for t in answered["protected"] if t.id == table.id).markers
        hidden = [c.value for c in table.cells() if marked.get(c.key) == SUPPRESSED]
        if hidden:
            expected[table.id] = {"table": table.id, "cells": len(hidden), "value": sum(hidden)}
    assert report["by_table"] == [expected[t] for t in sorted(expected)]
    assert sum(t["cells"] for t in report["by_table"]) == report["cells_marked"]
    assert report["policy"]["objective"] == "value"
