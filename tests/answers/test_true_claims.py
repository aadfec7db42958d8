"""What the workbook says is true: dates no later than the data or the response, part
periods flagged, titles naming what is counted, a cover saying when, what and who.

The seed request is answered on synthetic London extracted on 31 May 2024 (as the demo
is) and on a handful of hand-written cases; the workbook is read back with openpyxl.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import openpyxl
import pyarrow.compute as pc
import pytest
import yaml
from typer.testing import CliRunner

from foidesk.answers.answer import answer
from foidesk.cli import app
from foidesk.records.store import Store
from foidesk.records.synth import generate
from foidesk.stats.cases import Case, write_cases
from foidesk.stats.specs import SpecError

SEED = Path(__file__).resolve().parents[2] / "examples" / "requests" / "01.FOI.24.035331.yaml"
EXTRACTED = date(2024, 5, 31)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Synthetic London for 2023 to May 2024, extracted on 31 May 2024."""
    db = tmp_path_factory.mktemp("synthetic") / "london.duckdb"
    generate(db, scale=0.02, years=(2023, 2024), seed=7, extracted=EXTRACTED)
    return db


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory, synthetic: Path) -> openpyxl.Workbook:
    out = tmp_path_factory.mktemp("answer")
    answer(SEED, synthetic, out)
    return openpyxl.load_workbook(out / "tables.xlsx")


def with_changes(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "request.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def notes(book: openpyxl.Workbook) -> dict[int, str]:
    rows = list(book["Notes"].iter_rows(values_only=True))[3:]
    return {int(str(number).removeprefix("note ")): text for number, text in rows}


def cover_text(book: openpyxl.Workbook) -> str:
    return "\n".join(str(v) for row in book["Cover"].iter_rows(values_only=True) for v in row if v)


def test_synthetic_data_end_on_the_extraction_date(synthetic: Path) -> None:
    with Store(synthetic, read_only=True) as store:
        snapshot = store.snapshot()
        crimes = store.arrow("crimes", snapshot)
        outcomes = store.arrow("outcomes", snapshot)
    assert snapshot.extracted_on == EXTRACTED
    assert snapshot.provenance["extracted"] == "2024-05-31"
    assert pc.max(crimes["recorded_date"]).as_py() <= EXTRACTED
    assert pc.max(outcomes["outcome_date"]).as_py() <= EXTRACTED
    # Five months of 2024, not twelve: about 5/12 of 2023's count.
    years = pc.year(crimes["recorded_date"])
    in_2023 = pc.sum(pc.equal(years, 2023)).as_py()
    in_2024 = pc.sum(pc.equal(years, 2024)).as_py()
    assert 0.3 < in_2024 / in_2023 < 0.55


def test_an_extraction_date_outside_the_last_year_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="must fall in the last year, 2024"):
        generate(tmp_path / "x.duckdb", years=(2023, 2024), extracted=date(2025, 1, 1))


def test_a_table_past_the_extraction_date_is_refused(synthetic: Path, tmp_path: Path) -> None:
    def to_december(data: dict) -> None:
        data["tables"][1]["rows"][0]["period"]["to"] = date(2024, 12, 31)

    request = with_changes(tmp_path, to_december)
    with pytest.raises(SpecError) as error:
        answer(request, synthetic, tmp_path / "out")
    assert str(error.value) == (
        f"{request}: table table_2: rows: period runs to 31 December 2024, after the data "
        "were extracted (31 May 2024); end it on or before 31 May 2024"
    )
    assert not (tmp_path / "out").exists()


def test_a_table_past_the_response_date_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "cases.duckdb"
    with Store(db) as store:  # extracted today, long after 2024
        write_cases(store, [Case(date(2023, 6, 1), victims=("F",), suspects=("M",))])

    def answered_in_march(data: dict) -> None:
        data["response"]["responded"] = date(2024, 3, 1)

    request = with_changes(tmp_path, answered_in_march)
    with pytest.raises(
        SpecError,
        match=r"table table_2: rows: period runs to 31 May 2024, "
        r"after the response date \(1 March 2024\)",
    ):
        answer(request, db, tmp_path / "out")


def test_titles_name_the_counting_unit_and_the_part_years(workbook: openpyxl.Workbook) -> None:
    titles = {i: workbook[f"Table {i}"]["A1"].value for i in range(1, 7)}
    assert titles[1].startswith(
        "Table 1: Victim-suspect pairs in controlling or coercive behaviour crimes where the "
        "victim-suspect relationship is former intimate partner, by period recorded, suspect "
        "sex and victim sex, recorded 1 January to 31 December 2023 [note 1]"
    )
    assert titles[2].startswith(
        "Table 2: Victim-suspect pairs in harassment and stalking crimes where the "
        "victim-suspect relationship is former intimate partner, by calendar year, suspect sex "
        "and victim sex, 2015 to 2024 (2024: 1 January to 31 May only) [note"
    )
    assert titles[3].startswith(
        "Table 3: Controlling or coercive behaviour crimes, by calendar year, 2015 to 2024 "
        "(29 December 2015 to 31 December 2016 as one period; 2024: 1 January to 31 May "
        "only) [note"
    )
    assert titles[6].startswith("Table 6: Harassment and stalking crimes where")


def test_part_years_and_the_counting_rules_change_are_on_the_notes_page(
    workbook: openpyxl.Workbook,
) -> None:
    page = notes(workbook)
    part_2024 = next(n for n, t in page.items() if t.startswith("2024 is a part period"))
    part_2015 = next(n for n, t in page.items() if t.startswith("29 December 2015 to 31"))
    rules = next(n for n, t in page.items() if "Counting Rules changed in June 2023" in t)
    assert page[part_2024] == (
        "2024 is a part period: its figures cover 1 January to 31 May 2024 only. "
        "The data were extracted on 31 May 2024."
    )
    assert page[part_2015] == (
        "29 December 2015 to 31 December 2016 is one period: the part period 29 to "
        "31 December 2015 is counted with 2016, not shown on its own."
    )
    assert not any(t.startswith("2015 is a part period") for t in page.values())
    assert sorted(page) == list(range(1, len(page) + 1))

    def cites(i: int) -> set[int]:
        return {int(n) for n in re.findall(r"\[note (\d+)\]", workbook[f"Table {i}"]["A1"].value)}

    # Every seed table's recorded dates span June 2023, so every one cites the change.
    assert all(rules in cites(i) for i in range(1, 7))
    assert part_2024 in cites(2) and part_2024 not in cites(1)
    assert part_2015 in cites(3) and part_2015 in cites(5) and part_2015 not in cites(2)


def test_a_table_before_june_2023_does_not_cite_the_counting_rules_note(
    synthetic: Path, tmp_path: Path
) -> None:
    def only_2022(data: dict) -> None:
        data["tables"] = [data["tables"][2]]
        data["tables"][0]["rows"][0]["period"]["to"] = date(2022, 12, 31)

    out = tmp_path / "out"
    answer(with_changes(tmp_path, only_2022), synthetic, out)
    book = openpyxl.load_workbook(out / "tables.xlsx")
    assert not any("Counting Rules" in text for text in notes(book).values())


def test_the_april_2023_note_states_the_law(workbook: openpyxl.Workbook) -> None:
    text = next(t for t in notes(workbook).values() if "section 68" in t)
    assert "Current intimate partners were always covered" in text
    assert "former partners and family members who do not live together" in text
    assert "partners and former partners who no longer live together" not in text


def test_the_cover_says_when_what_from_where_and_whom_to_ask(workbook: openpyxl.Workbook) -> None:
    cover = cover_text(workbook)
    assert "Published: 3 June 2024." in cover
    assert "Period covered: crimes recorded 1 January 2015 to 31 May 2024." in cover
    assert (
        "Source: synthetic London (generated records standing in for a force's crime system), "
        "data extracted on 31 May 2024." in cover
    )
    # The contact is the settings' (the tests run with the Metropolitan Police Service's).
    assert "Information Rights Unit, Metropolitan Police Service." in cover
    assert "Web: https://www.met.police.uk/" in cover
    assert "Telephone:" not in cover  # none in the settings, so none invented
    assert "Post: Information Rights Unit, Metropolitan Police Service" in cover
    # The source is named, not given as a snapshot hash (the manifest keeps that).
    assert not re.search(r"[0-9a-f]{40,}", cover)
    assert not any(
        re.search(r"[0-9a-f]{40,}", str(v))
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for v in row
        if v
    )


def test_shorthand_is_explained_only_when_used(workbook: openpyxl.Workbook) -> None:
    cover = cover_text(workbook)
    used = {
        str(v)
        for i in range(1, 7)
        for row in workbook[f"Table {i}"].iter_rows(values_only=True)
        for v in row
        if v in ("[c]", "[x]", "[z]")
    }
    assert used == {"[c]"}
    assert "[c]: Confidential" in cover
    assert "[x]" not in cover and "[z]" not in cover


def test_every_value_column_names_its_dimension(workbook: openpyxl.Workbook) -> None:
    sheet = workbook["Table 2"]
    ((_, ref),) = sheet.tables.items()
    headers = [c.value for c in next(iter(sheet[ref]))]
    assert headers == [
        "Calendar year",
        "Suspect sex",
        "Victim sex: Female",
        "Victim sex: Male",
        "Victim sex: Not recorded",
        "Total",
    ]


def test_synth_takes_the_extraction_date_from_the_command_line(tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    args = ["synth", "--scale", "0.01", "--years", "2024-2024", "--store", str(db)]
    done = CliRunner().invoke(app, [*args, "--extracted", "2024-03-31"])
    assert done.exit_code == 0, done.output
    with Store(db, read_only=True) as store:
        assert store.snapshot().extracted_on == date(2024, 3, 31)
    wrong = CliRunner().invoke(app, [*args, "--extracted", "2023-12-31"])
    assert wrong.exit_code == 2
    assert "extracted 2023-12-31 must fall in the last year, 2024" in wrong.output


def test_without_settings_the_contact_is_the_request_files_authority(
    synthetic: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FOIDESK_SETTINGS")
    answer(SEED, synthetic, tmp_path / "out")
    cover = cover_text(openpyxl.load_workbook(tmp_path / "out" / "tables.xlsx"))
    assert "Freedom of Information team, Metropolitan Police Service." in cover
    assert "Telephone:" not in cover
