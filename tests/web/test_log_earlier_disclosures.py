"""A second request over the seed's records is protected against the seed's published
tables, found on the disclosure log: its request file names no earlier disclosure."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import yaml
from fastapi.testclient import TestClient
from site_setup import SEED_REFERENCE, Site, csrf_of, make_user, sign_in
from typer.testing import CliRunner

from foidesk.answers.package import INTERNAL_DIR, AnswerPackage
from foidesk.cli import app
from foidesk.db import open_session
from foidesk.stats.audit import AUDIT_FILE
from foidesk.web.app import create_app
from foidesk.web.disclosure_log import published_disclosures
from foidesk.web.models import PublishedResponse


def _second_request(path: Path) -> Path:
    """CCB crimes per quarter of 2023: the same records as the seed's Tables 3 to 5."""
    table = {
        "id": "table_1",
        "title": "Controlling or coercive behaviour crimes per quarter, 2023",
        "counting_unit": "crime",
        "population": {"offence_groups": ["Controlling or coercive behaviour"]},
        "rows": [{"period": {"unit": "quarter", "from": "2023-01-01", "to": "2023-12-31"}}],
    }
    data = {"reference": "01.FOI.24.040001", "title": "CCB in 2023", "tables": [table]}
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_publishing_keeps_the_tables_and_their_pattern(seed_site: Site) -> None:
    package = AnswerPackage.read(seed_site.answers / SEED_REFERENCE)
    with open_session(seed_site.db) as session:
        row = session.query(PublishedResponse).filter_by(reference=SEED_REFERENCE).one()
        assert [t["id"] for t in row.tables] == [t.id for t in package.manifest.tables]
        assert len(row.withheld) == len(package.withheld) > 0
        (earlier,) = published_disclosures(session)
    assert earlier.reference == SEED_REFERENCE
    assert earlier.suppressed == package.withheld
    assert [s.fingerprint() for s in earlier.specs] == [
        t.specification_sha256 for t in package.manifest.tables
    ]


def test_a_second_request_is_checked_against_the_seed_on_the_log(
    seed_site: Site, tmp_path: Path
) -> None:
    store = seed_site.answers.parent / "records.duckdb"
    request = _second_request(tmp_path / "second.yaml")
    db = tmp_path / "desk.sqlite"
    shutil.copyfile(seed_site.db, db)
    out = tmp_path / "second"
    result = CliRunner().invoke(
        app, ["answer", str(request), "--store", str(store), "--out", str(out), "--log", str(db)]
    )
    assert result.exit_code == 0, result.output
    assert f"Earlier disclosures checked: {SEED_REFERENCE}" in result.output
    control = AnswerPackage.read(out).manifest.disclosure_control
    assert control is not None and control.earlier_disclosures == [SEED_REFERENCE]
    book = openpyxl.load_workbook(out / "tables.xlsx", read_only=True)
    notes = " ".join(str(c) for r in book["Notes"].iter_rows(values_only=True) for c in r if c)
    assert f"checked against the tables published in {SEED_REFERENCE}" in notes
    # The seed's cells are in the audit problem as earlier cells, and the audit passes.
    problem = json.loads((out / INTERNAL_DIR / AUDIT_FILE).read_text())
    earlier_cells = [c for c in problem["cells"] if c["id"].startswith(f"{SEED_REFERENCE}: ")]
    assert earlier_cells and control.passed

    # Without the log, the Notes say no earlier disclosure was checked.
    alone = tmp_path / "alone"
    result = CliRunner().invoke(
        app,
        ["answer", str(request), "--store", str(store), "--out", str(alone)],
        env={"FOIDESK_DB": None},
    )
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(alone / "tables.xlsx", read_only=True)
    notes = " ".join(str(c) for r in book["Notes"].iter_rows(values_only=True) for c in r if c)
    assert "They were not checked against earlier disclosures." in notes


def test_the_workspace_checks_against_the_log_too(seed_site: Site, tmp_path: Path) -> None:
    requests = tmp_path / "requests"
    requests.mkdir()
    _second_request(requests / "01.FOI.24.040001.yaml")
    db = tmp_path / "desk.sqlite"
    shutil.copyfile(seed_site.db, db)
    app = create_app(
        str(db),
        migrate=False,
        answers_dir=tmp_path / "answers",
        requests_dir=requests,
        records=seed_site.answers.parent / "records.duckdb",
    )
    analyst = TestClient(app)
    sign_in(analyst, "analyst.two", make_user(str(db), "analyst.two", "analyst"))
    page = "/workspace/requests/01.FOI.24.040001/tables"
    token = csrf_of(analyst.get(page).text)
    started = analyst.post(page, data={"csrf_token": token})
    app.state.desk.jobs.wait()
    done = analyst.get(str(started.url)).text
    assert "Tables computed with disclosure control applied." in done, done[-2000:]
    ran = analyst.get(page)
    assert f'id="control-earlier">{SEED_REFERENCE}<' in ran.text
