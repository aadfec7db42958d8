"""Withheld [c] cells are withheld information: the letter and the Notes give their basis.

The seed's tables on a tiny store hold [c] cells in every table. The letter's refusal
notice cites s40(2) for them with its reason, every part answered by tables with [c] is
"partly disclosed" (Part 3, marked "disclosed" in the request file, among them), and the
workbook's Notes cite the same exemption. A request can name another exemption (s31).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import openpyxl
import pymupdf
import pytest
import yaml

from foidesk.answers.answer import answer
from foidesk.answers.package import AnswerPackage
from foidesk.db import upgrade
from foidesk.foi.letters import write_response
from foidesk.foi.register import Register
from foidesk.foi.request_file import RequestFileError, import_request_file
from foidesk.records.store import Store
from foidesk.stats.cases import Case, write_cases
from foidesk.web.disclosure_log import overall_decision

SEED = Path(__file__).resolve().parents[2] / "examples" / "requests" / "01.FOI.24.035331.yaml"
REF = "01.FOI.24.035331"
CASES = [
    Case(date(2023, 2, 1), victims=("F", "M"), suspects=("M",), pairs=((0, 0, "XP"), (1, 0, "XB"))),
    Case(date(2023, 6, 1), victims=("F",), suspects=("U",), pairs=((0, 0, "XS"),), outcome="15"),
    Case(date(2021, 6, 1), offence="8/65", victims=("M",), suspects=("F",), pairs=((0, 0, "XB"),)),
    Case(date(2018, 1, 4), victims=("F",), suspects=("M",), pairs=((0, 0, "SP"),), outcome="16"),
]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("store") / "records.duckdb"
    with Store(path) as opened:
        write_cases(opened, CASES)
    return path


def _documents(out: Path, request_file: Path) -> None:
    """One-page PDFs standing in for the documents the request file attaches."""
    for document in yaml.safe_load(request_file.read_text(encoding="utf-8"))["documents"]:
        pdf = pymupdf.open()
        pdf.new_page().insert_text((72, 72), document["title"])
        pdf.save(out / document["file"])


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _notes(workbook: Path) -> str:
    book = openpyxl.load_workbook(workbook, read_only=True)
    return " ".join(str(c) for row in book["Notes"].iter_rows(values_only=True) for c in row if c)


def test_the_seed_letter_cites_s40_for_its_withheld_cells(store: Path, tmp_path: Path) -> None:
    out = tmp_path / REF
    package = answer(SEED, store, out)
    counts = package.withheld_per_table()
    assert counts["table_3"] > 0 and counts["table_4"] > 0
    control = package.manifest.disclosure_control
    assert control is not None and control.exemption is not None
    assert (control.exemption.section, control.exemption.subsection) == ("s40", "(2)")
    db = tmp_path / "register.sqlite"
    _documents(out, SEED)
    upgrade(db)
    write_response(SEED, db, out)
    html = (out / "response.html").read_text(encoding="utf-8")
    text = _text(html)
    assert "Section 40(2) – Personal information" in text
    n3 = counts["table_3"] + counts["table_4"]
    assert f"applies to the {n3} figures shown as [c] in Table 3 and Table 4" in text
    assert "section 40(2) applies by virtue of section 40(3A)(a)" in text
    assert re.search(r"<th scope=\"row\">3</th>\s*<td>[^<]*</td>\s*<td>Partly disclosed", html)
    with Register(db, migrate=True) as register:
        parts = register.get(REF).parts
        decisions = [p.decision for p in parts]
        assert decisions[1] == decisions[2] == "partly disclosed"
        assert [e.section for e in parts[2].exemptions] == ["s40"]
        assert register.s17_problems(REF) == []
    assert overall_decision(decisions) == "Information partially disclosed"
    notes = _notes(out / "tables.xlsx")
    assert "withheld under section 40(2) of the Freedom of Information Act 2000" in notes


def test_a_request_can_name_another_exemption_for_its_withheld_cells(
    store: Path, tmp_path: Path
) -> None:
    data = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    data["disclosure_control"]["exemption"] = {
        "section": "s31",
        "subsection": "(1)(a)",
        "harm": "The figures, read with local knowledge, would show where patrols are thin.",
        "public_interest": {
            "for": ["Transparency about how crime is recorded."],
            "against": ["Offenders could exploit the gaps the figures reveal."],
            "balance": "The harm to law enforcement outweighs the small gain in openness.",
        },
    }
    request_file = tmp_path / "s31.yaml"
    request_file.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    out = tmp_path / REF
    answer(request_file, store, out)
    db = tmp_path / "register.sqlite"
    _documents(out, request_file)
    upgrade(db)
    write_response(request_file, db, out)
    text = _text((out / "response.html").read_text(encoding="utf-8"))
    assert "Section 31(1)(a) – Law enforcement" in text
    assert "figures shown as [c] in Table 3 and Table 4" in text
    assert "Section 40(2)" not in text
    assert "withheld under section 31(1)(a) of the Freedom" in _notes(out / "tables.xlsx")


def test_a_decision_names_only_tables_of_its_file(store: Path, tmp_path: Path) -> None:
    data = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    data["decisions"][2]["tables"] = ["table_3", "tabel_4"]
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with (
        Register(tmp_path / "r.sqlite", migrate=True) as register,
        pytest.raises(RequestFileError, match=r"decisions\[3\]\.tables.*did you mean 'table_4'"),
    ):
        import_request_file(bad, register, answer=AnswerPackage.read_or_new(None))
