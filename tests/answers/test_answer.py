"""Answering the seed request: workbook, CSVs and manifest, read back with their own readers."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import numpy as np
import openpyxl
import pytest
import yaml
from typer.testing import CliRunner

from foidesk.answers.answer import answer, read_request, write_answer
from foidesk.answers.notes import notes_page
from foidesk.cli import app
from foidesk.records.store import Store
from foidesk.stats.cases import Case, write_cases
from foidesk.stats.compiler import Source
from foidesk.stats.specs import SpecError, parse_table
from foidesk.stats.table import ComputedTable

SEED = Path(__file__).resolve().parents[2] / "examples" / "requests" / "01.FOI.24.035331.yaml"

CASES = [
    Case(date(2023, 2, 1), victims=("F", "M"), suspects=("M",), pairs=((0, 0, "XP"), (1, 0, "XB"))),
    Case(date(2023, 6, 1), victims=("F",), suspects=("U",), pairs=((0, 0, "XS"),), outcome="15"),
    Case(date(2021, 6, 1), offence="8/65", victims=("M",), suspects=("F",), pairs=((0, 0, "XB"),)),
    Case(date(2019, 6, 1), offence="195/94", victims=("U",), outcome="1"),
    Case(date(2018, 1, 4), victims=("F",), suspects=("M",), pairs=((0, 0, "SP"),), outcome="16"),
]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "store.duckdb"
    with Store(path) as store:
        write_cases(store, CASES)
    return path


def test_answer_writes_workbook_csvs_and_manifest(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    manifest = answer(SEED, db, out).to_json()
    names = [f["path"] for f in manifest["files"]]
    assert names == ["tables.xlsx"] + [f"table_{i}.csv" for i in range(1, 7)]
    assert manifest["files"][0]["title"] == "Tables (Excel workbook)"
    assert manifest["files"][1]["title"] == "Table 1 (CSV)"
    for entry in manifest["files"]:
        assert hashlib.sha256((out / entry["path"]).read_bytes()).hexdigest() == entry["sha256"]
    assert manifest["request"] == "01.FOI.24.035331"
    assert len(manifest["snapshot"]["id"]) == 64
    assert all(len(t["specification_sha256"]) == 64 for t in manifest["tables"])
    assert manifest["disclosure_control"]["policy"]["method"] == "suppress"
    assert json.loads((out / "manifest.json").read_text()) == manifest

    with (out / "table_1.csv").open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == [
        "Period recorded",
        "Suspect sex",
        "Victim sex: Female",
        "Victim sex: Male",
        "Victim sex: Not recorded",
        "Total",
    ]
    # Case 1: two former-partner pairs before 5 April (male suspect; a female and a male
    # victim); case 2: one pair after it (suspect sex not recorded, female victim). Every
    # count here is 1 to 4, so disclosure control shows each as [c]; zeros stay published.
    assert rows[2] == ["1 January to 4 April 2023", "Male", "[c]", "[c]", "0", "[c]"]
    assert rows[6] == ["5 April to 31 December 2023", "Not recorded", "[c]", "0", "0", "[c]"]
    assert rows[-1] == ["Total", "Total", "[c]", "[c]", "0", "[c]"]
    with (out / "table_3.csv").open(newline="") as handle:
        table_3 = {r[0]: r[1] for r in csv.reader(handle)}
    assert table_3["2017"] == "0" and table_3["2018"] == "[c]" and table_3["Total"] == "[c]"
    control = manifest["disclosure_control"]
    assert control["applied"] is True
    assert control["summary"].endswith("audit passed (HiGHS optimal)")
    assert (out / "internal" / "disclosure_audit.json").is_file()
    assert "audit_problem" not in control


def test_workbook_follows_the_spreadsheet_guidance(db: Path, tmp_path: Path) -> None:
    answer(SEED, db, tmp_path)
    book = openpyxl.load_workbook(tmp_path / "tables.xlsx")
    assert book.sheetnames == ["Cover", "Contents", "Notes"] + [f"Table {i}" for i in range(1, 7)]
    assert book.properties.title.startswith("01.FOI.24.035331: ")
    # Title and subject only: nothing a reader cannot see travels in the properties.
    assert book.properties.subject == "Domestic abuse"
    assert book.properties.creator is None and book.properties.keywords is None
    for name in book.sheetnames:
        sheet = book[name]
        assert not sheet.merged_cells.ranges, name
    for i in range(1, 7):
        sheet = book[f"Table {i}"]
        assert sheet["A1"].value.startswith(f"Table {i}: ")
        assert "[note 1]" in sheet["A1"].value
        assert sheet["A2"].value == "This worksheet contains one table."
        ((name, ref),) = sheet.tables.items()
        assert name == f"table_{i}"
        rows = list(sheet[ref])
        headers = [c.value for c in rows[0]]
        assert all(isinstance(h, str) and h for h in headers)
        body = rows[1:]
        assert all(any(c.value is not None for c in row) for row in body)  # no blank rows
        first_number = next(
            j
            for j, h in enumerate(headers)
            if h
            in (
                "Victim sex: Female",
                "Number of crimes (offences recorded)",
                "Outcome group: Charged/summonsed",
            )
        )
        # Numbers are stored as numbers; a withheld figure holds only its shorthand.
        assert all(
            isinstance(c.value, int) or c.value == "[c]" for row in body for c in row[first_number:]
        )
        assert any(isinstance(c.value, int) for row in body for c in row[first_number:])
        assert rows[-1][0].value == "Total"
    contents = [r for r in book["Contents"].iter_rows(values_only=True)]
    assert ("Table 3", contents[5][1]) == ("Table 3", book["Table 3"]["A1"].value)
    notes = list(book["Notes"].iter_rows(values_only=True))
    assert notes[2] == ("Note number", "Note text")
    assert notes[3][1].startswith("Source: the force's crime recording system, data extracted on ")
    assert any("XS (Ex-spouse or ex-civil partner)" in (n[1] or "") for n in notes)


def test_runs_under_different_hash_seeds_give_identical_files(db: Path, tmp_path: Path) -> None:
    # Each run in its own interpreter with its own PYTHONHASHSEED, so an order that follows
    # set or dict hashing of strings would differ between them.
    code = "import sys; from pathlib import Path; from foidesk.answers.answer import answer; "
    code += "answer(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))"
    for seed, folder in (("1", "a"), ("2", "b")):
        subprocess.run(
            [sys.executable, "-c", code, str(SEED), str(db), str(tmp_path / folder)],
            env={**os.environ, "PYTHONHASHSEED": seed},
            check=True,
        )
    first = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*"))
    second = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*"))
    assert first == second and Path("tables.xlsx") in first and Path("manifest.json") in first
    for name in first:
        if not (tmp_path / "a" / name).is_file():
            continue
        a, b = (tmp_path / "a" / name).read_bytes(), (tmp_path / "b" / name).read_bytes()
        if name == Path("internal", "disclosure_audit.json"):
            # The audit records how long its search took; everything else in it must agree.
            a, b = (json.dumps({**json.loads(x), "seconds": None}).encode() for x in (a, b))
        assert a == b, name


def test_a_marked_cell_shows_its_marker_and_its_number_is_nowhere(tmp_path: Path, db: Path) -> None:
    spec = parse_table(
        {
            "id": "table_1",
            "title": "Table 1: Test",
            "counting_unit": "victim",
            "rows": [{"period": {"from": "2023-01-01", "to": "2024-12-31"}}],
            "columns": ["victim_sex"],
        },
        "test",
        0,
    )
    counts = np.array([[98765, 3, 0], [11, 12, 13]], dtype="int64")
    table = ComputedTable(
        spec, (("2023",), ("2024",)), (("Female",), ("Male",), ("Not recorded",)), counts
    )
    marked = table.with_markers({(("2023",), ("Female",)): "[c]", (("2023",), ("Total",)): "[c]"})
    request = read_request(SEED)
    with Store(db, read_only=True) as store:
        snap = store.snapshot()
        page = notes_page([marked], [], snap, Source.from_store(store, snap))
    write_answer(request, snap, [marked], page, {}, tmp_path)
    sheet = openpyxl.load_workbook(tmp_path / "tables.xlsx")["Table 1"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert ["2023", "[c]", 3, 0, "[c]"] in values
    assert ["2024", 11, 12, 13, 36] in values
    with zipfile.ZipFile(tmp_path / "tables.xlsx") as archive:
        for member in archive.namelist():
            text = archive.read(member).decode("utf-8", errors="replace")
            assert "98765" not in text and "98768" not in text, member
    assert "98765" not in (tmp_path / "table_1.csv").read_text()
    assert "2023,[c],3,0,[c]" in (tmp_path / "table_1.csv").read_text()


def test_request_file_errors_name_the_file_and_field(tmp_path: Path, db: Path) -> None:
    data = yaml.safe_load(SEED.read_text())
    data["tables"][2]["rows"] = [
        {"period": {"unit": "decade", "from": "2015-01-01", "to": "2024-12-31"}}
    ]
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data))
    with pytest.raises(
        SpecError, match=r"bad.yaml: line \d+: tables\[2\].rows\[0\].period.unit: 'decade'"
    ):
        answer(bad, db, tmp_path / "out")
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_cli_answer(db: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["answer", str(SEED), "--store", str(db), "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert "Table 6 (CSV)" in result.output
    assert (tmp_path / "manifest.json").is_file()
    missing = CliRunner().invoke(
        app, ["answer", str(tmp_path / "nope.yaml"), "--store", str(db), "--out", str(tmp_path)]
    )
    assert missing.exit_code == 2


def test_a_pinned_snapshot_is_used_even_when_a_later_one_exists(db: Path, tmp_path: Path) -> None:
    with Store(db) as store:
        first = store.snapshot()
        write_cases(store, CASES[:1])  # a later, smaller snapshot
    data = yaml.safe_load(SEED.read_text())
    pinned = tmp_path / "pinned.yaml"
    pinned.write_text(yaml.safe_dump({**data, "snapshot": first.snapshot_id[:10]}))
    assert answer(pinned, db, tmp_path / "a").manifest.snapshot.id == first.snapshot_id
    assert answer(SEED, db, tmp_path / "b").manifest.snapshot.id != first.snapshot_id
