"""The workbook the statistics engine publishes is checked for hidden content like any other."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from foidesk.answers.answer import answer
from foidesk.cli import app
from foidesk.documents.hidden_content import inspect_workbook
from foidesk.records.store import Store
from foidesk.stats.cases import Case, write_cases

SEED = Path(__file__).resolve().parents[2] / "examples" / "requests" / "01.FOI.24.035331.yaml"
CASES = [
    Case(date(2023, 2, 1), victims=("F", "M"), suspects=("M",), pairs=((0, 0, "XP"), (1, 0, "XB"))),
    Case(date(2023, 6, 1), victims=("F",), suspects=("U",), pairs=((0, 0, "XS"),), outcome="15"),
]


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The workbook ``foidesk answer`` publishes for the seed request, and its folder."""
    folder = tmp_path_factory.mktemp("statistics")
    store_path = folder / "crime-records.duckdb"
    with Store(store_path) as store:
        write_cases(store, CASES)
    answer(SEED, store_path, folder / "out")
    return folder / "out" / "tables.xlsx", folder


def test_statistics_workbook_hides_nothing(published: tuple[Path, Path]) -> None:
    book, folder = published
    # Where the records came from on this machine must not travel with the tables.
    findings = inspect_workbook(book, [str(folder), "crime-records.duckdb"])

    # Nothing: title and subject are expected properties (assistive technology announces
    # them), and foidesk sets no other.
    assert findings == []


def test_foidesk_inspect_reports_nothing_on_foidesks_own_workbook(
    published: tuple[Path, Path],
) -> None:
    book, _ = published
    result = CliRunner().invoke(app, ["inspect", str(book)])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith(f"0 findings in {book}")


def test_an_unexpected_property_is_still_reported(
    published: tuple[Path, Path], tmp_path: Path
) -> None:
    book, _ = published
    tampered = openpyxl.load_workbook(book)
    tampered.properties.creator = "DS Jane Smith"
    tampered.properties.title = "Kestrel tables"
    tampered.save(tmp_path / "tampered.xlsx")

    findings = inspect_workbook(tmp_path / "tampered.xlsx", ["Kestrel"])

    assert ("document property", "creator") in {(f.kind, f.where) for f in findings}
    # An expected property is not a finding in itself, but its text is still searched.
    assert ("document property", "title") not in {(f.kind, f.where) for f in findings}
    assert any(f.forbidden == "Kestrel" for f in findings)


def test_a_hidden_sheet_added_to_the_statistics_workbook_is_caught(
    published: tuple[Path, Path], tmp_path: Path
) -> None:
    book, _ = published
    tampered = openpyxl.load_workbook(book)
    sheet = tampered.create_sheet("Workings")
    sheet["A1"] = "Victim surname Example"
    sheet.sheet_state = "veryHidden"
    tampered.save(tmp_path / "tampered.xlsx")

    findings = inspect_workbook(tmp_path / "tampered.xlsx", ["Example"])

    assert ("very hidden sheet", "Workings") in {(f.kind, f.where) for f in findings}
    assert any(f.forbidden == "Example" and f.where == "Workings!A1" for f in findings)
