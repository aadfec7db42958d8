"""The disclosure log: publishing the seed's answer, reading it back, searching and browsing."""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient
from site_setup import SEED_REFERENCE, Site

from foidesk.answers.package import AnswerPackage
from foidesk.db import open_session, upgrade
from foidesk.foi.personal_data import record_review
from foidesk.foi.register import Actor, Register
from foidesk.settings import read_settings
from foidesk.web.app import create_app
from foidesk.web.disclosure_log import (
    Publication,
    PublishError,
    clean_letter,
    overall_decision,
    publish,
    publish_answer,
    published,
    read_answer_dir,
)
from foidesk.web.search import LogQuery, fts5_query, search_log


def test_seed_is_published_with_its_files_and_checksums(seed_site: Site) -> None:
    assert seed_site.url == f"/log/{SEED_REFERENCE}"
    with open_session(seed_site.db) as session:
        response = published(session, SEED_REFERENCE)
        assert response is not None
        assert response.published_on == date(2024, 6, 3)
        assert response.subject == "Domestic abuse"
        assert response.decision == "Information partially disclosed"
        sections = [e["section"] for e in response.exemptions]
        # The [c] cells' exemption, s40(2), for every part whose tables hold [c].
        # As the Met's letter, no s12: the requester accepted the how-known codes.
        assert sections == ["s40(2)", "s31(1)(a) and (b)"]
        held = AnswerPackage.read(seed_site.answers / SEED_REFERENCE).withheld_per_table()
        tables_of = {1: ["table_1"], 2: ["table_2", "table_6"], 3: ["table_3", "table_4"]}
        tables_of[4] = ["table_5"]
        with_c = [p for p, ids in tables_of.items() if any(held.get(t) for t in ids)]
        assert 3 in with_c
        assert [e["parts"] for e in response.exemptions] == [with_c, [5]]
        names = [a.filename for a in response.attachments]
        assert names[0] == "tables.xlsx"
        assert {f"table_{i}.csv" for i in range(1, 7)} <= set(names)
        assert "domestic_abuse_policy_redacted.pdf" in names
        assert "response.pdf" in names
        # The disclosure audit's working file is internal and never published.
        assert (seed_site.answers / SEED_REFERENCE / "internal" / "disclosure_audit.json").is_file()
        assert "disclosure_audit.json" not in names
        answer_dir = seed_site.answers / SEED_REFERENCE
        for attachment in response.attachments:
            on_disk = (answer_dir / attachment.filename).read_bytes()
            assert attachment.sha256 == hashlib.sha256(on_disk).hexdigest()
            assert attachment.size == len(on_disk)


def test_the_log_page_and_workbook_download(seed_site: Site) -> None:
    client = TestClient(create_app(seed_site.db, migrate=False))
    page = client.get(seed_site.url)
    assert page.status_code == 200
    assert "Freedom of information request reference no: 01.FOI.24.035331" in page.text
    assert "I note you seek access to the following information" in page.text
    assert "Section 31(1)(a) and (b) – Law enforcement" in page.text
    # The documents are listed by title, file, kind and size; no hash, which means nothing
    # to a reader (the download's Repr-Digest header carries it).
    assert "Domestic abuse recording procedures in use since 2015" in page.text
    assert not re.search(r"[0-9a-f]{64}", page.text) and "SHA-256" not in page.text
    download = client.get(f"{seed_site.url}/files/tables.xlsx")
    assert download.status_code == 200
    assert download.headers["content-disposition"] == 'attachment; filename="tables.xlsx"'
    workbook = openpyxl.load_workbook(io.BytesIO(download.content))
    assert "Notes" in workbook.sheetnames or any("note" in s.lower() for s in workbook.sheetnames)
    assert len(workbook.sheetnames) >= 7


def test_nothing_about_the_requester_is_published(tmp_path: Path) -> None:
    db = str(tmp_path / "desk.sqlite")
    with Register(db, migrate=True) as register:
        register.new_request(
            "01.FOI.24.000001",
            date(2024, 5, 1),
            "How many stop and search encounters were there in 2023?",
            ["Stops in 2023"],
            "email",
            "jane.requester@example.org",
            "officer.one",
            title="Stop and search 2023",
            subject="Stop and search",
        )
        register.decide("01.FOI.24.000001", 1, "disclosed", [], "officer.one", summary="12,345")
        register.submit_for_approval("01.FOI.24.000001", "officer.one")
        register.approve(
            "01.FOI.24.000001",
            Actor("reviewer.one", "reviewer"),
            fingerprint=register.fingerprint("01.FOI.24.000001"),
        )
        record_review(register, "01.FOI.24.000001", None, [], "officer.one")
    url = publish_answer(db, "01.FOI.24.000001", None, published_on=date(2024, 5, 20))
    client = TestClient(create_app(db, migrate=False))
    page = client.get(url).text
    assert "How many stop and search encounters" in page
    assert "jane.requester" not in page
    with open_session(db) as session:
        row = published(session, "01.FOI.24.000001")
        assert row is not None
        assert "jane.requester" not in row.letter_html + row.search_text
        assert row.published_on == date(2024, 5, 20)
    with Register(db, migrate=True) as register:
        assert register.status("01.FOI.24.000001") == "responded"


def test_an_unapproved_request_cannot_be_published(tmp_path: Path) -> None:
    db = str(tmp_path / "desk.sqlite")
    with Register(db, migrate=True) as register:
        register.new_request(
            "01.FOI.24.000002",
            date(2024, 5, 1),
            "Internal draft",
            ["Part one"],
            "email",
            "someone@example.org",
            "officer.one",
        )
    with pytest.raises(PublishError, match="'received': only a request a reviewer has approved"):
        publish_answer(db, "01.FOI.24.000002", None)
    client = TestClient(create_app(db, migrate=False))
    assert client.get("/log/01.FOI.24.000002").status_code == 404
    assert "01.FOI.24.000002" not in client.get("/log").text


def test_answer_directory_errors_name_the_file_and_field(seed_site: Site, tmp_path: Path) -> None:
    answer_dir = tmp_path / "answer"
    shutil.copytree(seed_site.answers / SEED_REFERENCE, answer_dir)
    (answer_dir / "table_3.csv").write_text("tampered\n")
    with pytest.raises(PublishError, match=r"manifest.json, files\[4\].*sha256 is [0-9a-f]{64}"):
        read_answer_dir(answer_dir)
    manifest = json.loads((answer_dir / "manifest.json").read_text())
    failed = {**manifest, "disclosure_control": {**manifest["disclosure_control"], "passed": False}}
    (answer_dir / "manifest.json").write_text(json.dumps(failed))
    with pytest.raises(PublishError, match="failed their disclosure audit"):
        read_answer_dir(answer_dir)
    manifest["files"] = [{"path": "tables.xlsx", "sha256": manifest["files"][0]["sha256"]}]
    (answer_dir / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(PublishError, match=r"files\[1\] \(tables.xlsx\): field 'title' is missing"):
        read_answer_dir(answer_dir)
    missing = [{"title": "Policy", "file": "not_there.pdf"}]
    manifest["files"] = []
    (answer_dir / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(PublishError, match=r"attachment 1 of the response \(Policy\).*not_there"):
        read_answer_dir(answer_dir, missing)


def test_letter_is_sanitised_and_headings_demoted() -> None:
    letter = (
        "<html><head><style>p{}</style><script>alert(1)</script></head><body>"
        '<h1 onclick="x()">Response</h1><h2>Decision</h2><p>Text<img src=x onerror=alert(1)></p>'
        "<script>alert(2)</script></body></html>"
    )
    cleaned = clean_letter(letter)
    assert "<script" not in cleaned and "onerror" not in cleaned and "onclick" not in cleaned
    assert cleaned.startswith("<h3>Response</h3><h4>Decision</h4>")


@pytest.mark.parametrize(
    ("decisions", "words"),
    [
        (["disclosed", "disclosed"], "Information disclosed"),
        (["disclosed", "withheld"], "Information partially disclosed"),
        (["partly disclosed", "not held"], "Information partially disclosed"),
        (["withheld", "not held"], "Information withheld"),
        (["not held"], "Information not held"),
        (["neither confirm nor deny"], "Neither confirmed nor denied"),
        (["refused", "refused"], "Request refused"),
        (["refused", "not held"], "Request refused"),
        (["disclosed", "refused"], "Information partially disclosed"),
    ],
)
def test_overall_decision(decisions: list[str], words: str) -> None:
    assert overall_decision(decisions) == words


def test_fts5_query_keeps_visitor_words_as_phrases() -> None:
    assert fts5_query('01.FOI.24.035331 "coercive" OR NEAR(') == (
        '"01 FOI 24 035331" "coercive" "OR" "NEAR"'
    )


def _entry(reference: str, day: date, subject: str, text: str) -> Publication:
    return Publication(
        reference=reference,
        title=f"{subject} request {reference}",
        subject=subject,
        published_on=day,
        request_text=text,
        decision="Information disclosed",
    )


LOG = [
    _entry("01.FOI.23.000010", date(2023, 1, 9), "Stop and search", "Stops by ethnicity"),
    _entry("01.FOI.23.000011", date(2023, 7, 2), "Domestic abuse", "Stalking of former partners"),
    _entry("01.FOI.24.000012", date(2024, 7, 30), "Domestic abuse", "Coercive control by year"),
    _entry("01.FOI.24.000013", date(2024, 12, 31), "Vehicles", "Police cars written off"),
]


def _search_behaviour(db: str) -> None:
    upgrade(db)
    with open_session(db) as session:
        for entry in LOG:
            publish(session, entry)
        everything = search_log(session, LogQuery())
        assert [h.reference for h in everything.hits] == [
            "01.FOI.24.000013",
            "01.FOI.24.000012",
            "01.FOI.23.000011",
            "01.FOI.23.000010",
        ]
        assert [(f.value, f.count) for f in everything.years] == [("2024", 2), ("2023", 2)]
        assert [(f.value, f.count) for f in everything.subjects] == [
            ("Domestic abuse", 2),
            ("Stop and search", 1),
            ("Vehicles", 1),
        ]
        stalking = search_log(session, LogQuery(q="stalking"))
        assert [h.reference for h in stalking.hits] == ["01.FOI.23.000011"]
        assert "<mark>Stalking</mark>" in stalking.hits[0].snippet
        by_reference = search_log(session, LogQuery(q="01.FOI.24.000012"))
        assert [h.reference for h in by_reference.hits] == ["01.FOI.24.000012"]
        july_2024 = search_log(session, LogQuery(year=2024, month=7))
        assert [h.reference for h in july_2024.hits] == ["01.FOI.24.000012"]
        assert [(f.label, f.count) for f in july_2024.months] == [("July", 1), ("December", 1)]
        december_edge = search_log(session, LogQuery(year=2024, month=12))
        assert december_edge.total == 1
        subject = search_log(session, LogQuery(subject="Domestic abuse", year=2023))
        assert [h.reference for h in subject.hits] == ["01.FOI.23.000011"]
        hostile = search_log(session, LogQuery(q="<script>alert(1)</script> ' OR 1=1 --"))
        assert hostile.total == 0
        paged = search_log(session, LogQuery(per_page=3, page=2))
        assert paged.total == 4 and paged.pages == 2
        assert [h.reference for h in paged.hits] == ["01.FOI.23.000010"]
        # Republishing replaces the entry and its index rows.
        publish(
            session, _entry("01.FOI.23.000011", date(2023, 7, 2), "Domestic abuse", "Harassment")
        )
        assert search_log(session, LogQuery(q="stalking")).total == 0
        assert search_log(session, LogQuery(q="harassment")).total == 1


def test_search_and_browse_on_sqlite(tmp_path: Path) -> None:
    _search_behaviour(str(tmp_path / "log.sqlite"))


@pytest.mark.postgres
def test_search_and_browse_on_postgresql(postgres_url: str) -> None:
    _search_behaviour(postgres_url)


def test_stemming_finds_other_forms(tmp_path: Path) -> None:
    upgrade(tmp_path / "log.sqlite")
    with open_session(tmp_path / "log.sqlite") as session:
        publish(session, _entry("01.FOI.24.000020", date(2024, 1, 2), "Vehicles", "Cars stolen"))
        assert search_log(session, LogQuery(q="car")).total == 1


def test_very_common_words_fall_back_to_newest_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from foidesk.web import search

    upgrade(tmp_path / "log.sqlite")
    with open_session(tmp_path / "log.sqlite") as session:
        for entry in LOG:
            publish(session, entry)
        ranked = search_log(session, LogQuery(q="request"))
        assert ranked.ranked and ranked.total == 4
        monkeypatch.setattr(search, "RANK_LIMIT", 3)
        newest = search_log(session, LogQuery(q="request"))
        assert not newest.ranked
        assert [h.reference for h in newest.hits] == [e.reference for e in reversed(LOG)]


def test_file_names_that_could_escape_a_url_are_refused(tmp_path: Path) -> None:
    from foidesk.web.disclosure_log import PublishedFile

    bad = PublishedFile("../secret.xlsx", "Secret", b"x", "0" * 64, "application/octet-stream")
    entry = _entry("01.FOI.24.000030", date(2024, 1, 2), "Vehicles", "Cars")
    upgrade(tmp_path / "log.sqlite")
    with open_session(tmp_path / "log.sqlite") as session:
        with pytest.raises(PublishError, match="'../secret.xlsx' is not a publishable name"):
            publish(session, Publication(**{**entry.__dict__, "files": [bad]}))
        assert published(session, "01.FOI.24.000030") is None


def test_withdrawn_responses_leave_the_counts_and_pages(tmp_path: Path) -> None:
    from foidesk.web.disclosure_log import withdraw

    upgrade(tmp_path / "log.sqlite")
    with open_session(tmp_path / "log.sqlite") as session:
        for entry in LOG:
            publish(session, entry)
        assert search_log(session, LogQuery(subject="Domestic abuse")).total == 2
        assert withdraw(session, "01.FOI.23.000011")
        assert not withdraw(session, "01.FOI.23.000011")
        after = search_log(session, LogQuery(subject="Domestic abuse"))
        assert after.total == 1
        assert [(f.value, f.count) for f in after.subjects][0] == ("Domestic abuse", 1)
        assert published(session, "01.FOI.23.000011") is None


def test_a_response_lacking_an_element_is_neither_sent_nor_published(tmp_path: Path) -> None:
    # Publishing an approved request records the response and publishes its letter: a
    # letter the Act would find lacking (here, no named signatory in the settings) is
    # refused as every letter is, and the request stays approved, with nothing on the log.
    met = read_settings(Path(__file__).resolve().parents[2] / "examples/settings/met.yaml")
    unsigned = met.model_copy(
        update={"authority": met.authority.model_copy(update={"signatory": None})}
    )
    db = str(tmp_path / "desk.sqlite")
    reference = "01.FOI.24.000003"
    with Register(db, migrate=True, settings=unsigned) as register:
        register.new_request(
            reference, date(2024, 5, 1), "How many police dogs?", ["Dogs"], "email",
            "someone@example.org", "officer.one", title="Police dogs", subject="Dogs",
        )  # fmt: skip
        register.decide(reference, 1, "disclosed", [], "officer.one", summary="42")
        register.submit_for_approval(reference, "officer.one")
        register.approve(
            reference,
            Actor("reviewer.one", "reviewer"),
            fingerprint=register.fingerprint(reference),
        )
        record_review(register, reference, None, [], "officer.one")
        with pytest.raises(PublishError, match="lacks a named signatory and role"):
            publish_answer(register, reference, None)
        assert register.status(reference) == "approved"
        assert register.get(reference).responded_on is None
    with open_session(db) as session:
        assert published(session, reference) is None


def test_a_search_that_finds_nothing_says_only_what_helps(seed_site: Site) -> None:
    client = TestClient(create_app(seed_site.db, migrate=False))
    page = client.get("/log", params={"q": "zeppelin"})
    assert page.status_code == 200
    assert "0 responses matching ‘zeppelin’" in page.text
    # Nothing is ranked, and no filter is set that could be cleared.
    assert "Best matches first." not in page.text
    assert "No published response matches. Try fewer or different words." in page.text
    assert "clear the filters" not in page.text
    filtered = client.get("/log", params={"q": "zeppelin", "subject": "Domestic abuse"})
    assert "Try fewer or different words, or clear the filters." in filtered.text
    found = client.get("/log", params={"q": "stalking"})
    assert "Best matches first." in found.text
