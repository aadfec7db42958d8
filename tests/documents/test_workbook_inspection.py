"""A workbook is checked for hidden content by reading every part of the package."""

from __future__ import annotations

from pathlib import Path

import pytest
import xlsxwriter

from foidesk.documents.hidden_content import inspect_workbook

SECRET = "Kestrel"


def workbook(path: Path, hide: str) -> Path:
    """A small published-looking workbook with ``SECRET`` hidden in one place."""
    book = xlsxwriter.Workbook(str(path))
    table = book.add_worksheet("Table 1")
    table.write_row(0, 0, ["Year", "Offences"])
    table.write_row(1, 0, [2023, 412])
    if hide == "very hidden sheet":
        extra = book.add_worksheet("Working")
        extra.write(0, 0, f"{SECRET} source rows")
        extra.very_hidden()
    elif hide == "hidden sheet":
        extra = book.add_worksheet("Working")
        extra.write(0, 0, f"{SECRET} source rows")
        extra.hide()
    elif hide == "hidden row":
        table.write(5, 0, f"{SECRET} note")
        table.set_row(5, None, None, {"hidden": True})
    elif hide == "hidden column":
        table.write(1, 4, f"{SECRET} note")
        table.set_column(4, 4, None, None, {"hidden": True})
    elif hide == "comment":
        table.write_comment("B2", f"Includes the {SECRET} case")
    elif hide == "defined name":
        book.define_name("Source", f'="{SECRET}"')
    elif hide == "document property":
        book.set_properties({"title": "Table", "author": f"{SECRET} analyst"})
    elif hide == "custom property":
        book.set_custom_property("Operation", SECRET)
    elif hide == "cached formula value":
        table.write_formula("C2", "=B2*0", None, SECRET)
    book.close()
    return path


@pytest.mark.parametrize(
    ("hide", "kind", "where"),
    [
        ("very hidden sheet", "very hidden sheet", "Working"),
        ("hidden sheet", "hidden sheet", "Working"),
        ("hidden row", "hidden row", "Table 1!row 6"),
        ("hidden column", "hidden column", "Table 1!E2"),
        ("comment", "comment", "Table 1!B2"),
        ("defined name", "defined name", "defined name Source"),
        ("document property", "document property", "creator"),
        ("custom property", "custom property", "Operation"),
    ],
)
def test_each_hiding_place_is_reported(tmp_path: Path, hide: str, kind: str, where: str) -> None:
    findings = inspect_workbook(workbook(tmp_path / "book.xlsx", hide), [SECRET])

    assert (kind, where) in {(f.kind, f.where) for f in findings}
    assert any(f.forbidden == SECRET for f in findings)  # and the string itself is found


def test_a_hidden_sheet_value_is_traced_to_its_cell(tmp_path: Path) -> None:
    findings = inspect_workbook(workbook(tmp_path / "book.xlsx", "very hidden sheet"), [SECRET])

    cells = [f for f in findings if f.forbidden == SECRET and f.where == "Working!A1"]
    assert [f.kind for f in cells] == ["cell (veryHidden sheet)"]
    assert any(f.kind == "shared string" for f in findings if f.forbidden == SECRET)


def test_a_cached_formula_value_is_found(tmp_path: Path) -> None:
    findings = inspect_workbook(workbook(tmp_path / "book.xlsx", "cached formula value"), [SECRET])

    assert [(f.kind, f.where) for f in findings if f.forbidden] == [
        ("cached formula value", "Table 1!C2")
    ]


def test_a_clean_workbook_has_no_findings(tmp_path: Path) -> None:
    assert inspect_workbook(workbook(tmp_path / "book.xlsx", "nothing"), [SECRET]) == []
