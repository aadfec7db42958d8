"""A request file names the disclosures already on the log, and `answer` protects against them.

The earlier disclosure published controlling or coercive behaviour crimes for 2016 to 2023
as one total. The new request asks for them by year to 2024, with 3 crimes in 2024. Alone,
the new table hides 2024 and the smallest other year; with the earlier total known, the
grand total minus that total would give 2024 away, so the grand total is hidden instead.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import openpyxl
import pytest
import yaml
from sqlalchemy.orm import Session

from foidesk.answers.answer import answer, read_request
from foidesk.answers.package import AnswerPackage
from foidesk.db import open_session, upgrade
from foidesk.records.store import Store
from foidesk.stats.cases import Case, write_cases
from foidesk.stats.specs import SpecError
from foidesk.web.disclosure_log import Publication, publish, published_disclosures, published_tables

PER_YEAR = {2016: 5, 2017: 6, 2018: 7, 2019: 8, 2020: 9, 2021: 10, 2022: 11, 2023: 12, 2024: 3}
CCB = {"offence_groups": ["Controlling or coercive behaviour"]}


def request_file(path: Path, reference: str, period: dict, **extra: object) -> Path:
    table = {"id": "table_1", "title": "CCB crimes", "counting_unit": "crime"}
    table |= {"population": CCB, "rows": [{"period": period}]}
    path.write_text(
        yaml.safe_dump({"reference": reference, "title": "CCB", "tables": [table], **extra}),
        encoding="utf-8",
    )
    return path


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "store.duckdb"
    with Store(path) as store:
        write_cases(
            store,
            [
                Case(date(year, 3, 1 + i), victims=("F",), suspects=("M",))
                for year, n in PER_YEAR.items()
                for i in range(n)
            ],
        )
    return path


def published(answer_dir: Path) -> dict[str, str]:
    with (answer_dir / "table_1.csv").open(newline="") as handle:
        return {row[0]: row[1] for row in list(csv.reader(handle))[1:]}


def test_the_earlier_total_changes_which_cells_are_hidden(db: Path, tmp_path: Path) -> None:
    to_2023 = {"custom": [{"label": "2016 to 2023", "from": "2016-01-01", "to": "2023-12-31"}]}
    earlier = request_file(tmp_path / "earlier.yaml", "01.FOI.23.000001", to_2023)
    answer(earlier, db, tmp_path / "earlier")
    assert published(tmp_path / "earlier")["2016 to 2023"] == "68"

    by_year = {"unit": "year", "from": "2016-01-01", "to": "2024-12-31"}
    alone = request_file(tmp_path / "alone.yaml", "01.FOI.24.000002", by_year)
    answer(alone, db, tmp_path / "alone")
    figures = published(tmp_path / "alone")
    assert (figures["2024"], figures["2016"], figures["Total"]) == ("[c]", "[c]", "71")

    linked = request_file(
        tmp_path / "linked.yaml",
        "01.FOI.24.000002",
        by_year,
        earlier_disclosures=[{"request": "earlier.yaml", "answer": "earlier"}],
    )
    manifest = answer(linked, db, tmp_path / "linked").to_json()
    figures = published(tmp_path / "linked")
    assert (figures["2024"], figures["2016"], figures["Total"]) == ("[c]", "5", "[c]")
    assert manifest["disclosure_control"]["earlier_disclosures"] == ["01.FOI.23.000001"]


def test_an_earlier_disclosure_that_is_not_there_is_named(db: Path, tmp_path: Path) -> None:
    by_year = {"unit": "year", "from": "2016-01-01", "to": "2024-12-31"}
    bad = request_file(
        tmp_path / "bad.yaml",
        "01.FOI.24.000003",
        by_year,
        earlier_disclosures=[{"request": "missing.yaml", "answer": "missing"}],
    )
    with pytest.raises(SpecError, match=r"earlier_disclosures\[0\]\.request: .*missing\.yaml"):
        answer(bad, db, tmp_path / "out")


def _on_the_log(session: Session, reference: str, answer_dir: Path) -> None:
    tables, withheld = published_tables(AnswerPackage.read(answer_dir))
    publication = Publication(
        reference=reference,
        title="CCB",
        subject="Crime",
        published_on=date(2024, 1, 5),
        request_text="CCB crimes",
        decision="Information disclosed",
        tables=tables,
        withheld=withheld,
    )
    publish(session, publication)


def test_answer_finds_the_earlier_total_on_the_log_without_naming_it(
    db: Path, tmp_path: Path
) -> None:
    to_2023 = {"custom": [{"label": "2016 to 2023", "from": "2016-01-01", "to": "2023-12-31"}]}
    answer(request_file(tmp_path / "earlier.yaml", "01.FOI.23.000001", to_2023), db, tmp_path / "e")
    # Published too: a response whose table counts stalking, none of these records.
    stalking = request_file(tmp_path / "stalking.yaml", "01.FOI.23.000009", to_2023)
    data = yaml.safe_load(stalking.read_text())
    data["tables"][0]["population"] = {"offence_groups": ["Stalking"]}
    stalking.write_text(yaml.safe_dump(data))
    answer(stalking, db, tmp_path / "s")
    upgrade(tmp_path / "log.sqlite")
    with open_session(tmp_path / "log.sqlite") as session:
        _on_the_log(session, "01.FOI.23.000001", tmp_path / "e")
        _on_the_log(session, "01.FOI.23.000009", tmp_path / "s")
        on_log = published_disclosures(session)
    assert [p.reference for p in on_log] == ["01.FOI.23.000001", "01.FOI.23.000009"]
    assert (
        on_log[0].specs[0].fingerprint()
        == read_request(tmp_path / "earlier.yaml").tables[0].fingerprint()
    )

    by_year = {"unit": "year", "from": "2016-01-01", "to": "2024-12-31"}
    second = request_file(tmp_path / "second.yaml", "01.FOI.24.000002", by_year)
    package = answer(second, db, tmp_path / "second", published=on_log)
    figures = published(tmp_path / "second")
    # As when the request file named it: the grand total, not 2016, is hidden.
    assert (figures["2024"], figures["2016"], figures["Total"]) == ("[c]", "5", "[c]")
    control = package.manifest.disclosure_control
    assert control is not None and control.earlier_disclosures == ["01.FOI.23.000001"]
    book = openpyxl.load_workbook(tmp_path / "second" / "tables.xlsx", read_only=True)
    note = " ".join(str(c) for r in book["Notes"].iter_rows(values_only=True) for c in r if c)
    assert "checked against the tables published in 01.FOI.23.000001, which" in note
    assert "01.FOI.23.000009" not in note

    # A request answered again is not its own earlier disclosure.
    again = answer(tmp_path / "earlier.yaml", db, tmp_path / "e2", published=on_log).manifest
    assert again.disclosure_control is not None
    assert again.disclosure_control.earlier_disclosures == []
