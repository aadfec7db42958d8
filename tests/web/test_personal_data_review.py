"""Nothing personal reaches the public log: the personal-data review before publishing.

The councillor example is the case a reviewer found published word for word: a request
asking whether a named councillor was being investigated for stalking a former partner,
answered neither confirm nor deny. Here it goes through the command line as a desk runs
it, and the name is looked for in everything the public can reach.
"""

from __future__ import annotations

import html
import io
import json
import re
import shutil
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pymupdf
import pytest
import yaml
from fastapi.testclient import TestClient
from site_setup import csrf_of
from typer.testing import CliRunner

from foidesk.answers.package import AnswerPackage, FileEntry
from foidesk.cli import app
from foidesk.db import open_session
from foidesk.foi import personal_data
from foidesk.foi.accounts import add_user, issue_token
from foidesk.foi.letters import write_response
from foidesk.foi.register import Actor, Register
from foidesk.web.app import create_app
from foidesk.web.disclosure_log import PublishError, publish_answer, published
from foidesk.web.models import PublishedResponse

runner = CliRunner()
COUNCILLOR = Path(__file__).parent / "data" / "councillor_ncnd.yaml"
REFERENCE = "01.FOI.24.000777"
NAME = "Alan Example"
# What the reviewer writes in place of the title (the default replacement elsewhere).
NEUTRAL_TITLE = "Whether a named person is under investigation"


def _cli(*args: str, token: str = "") -> str:
    result = runner.invoke(app, list(args), env={"FOIDESK_TOKEN": token})
    assert result.exit_code == 0, result.output
    return result.output


def _officer_token(db: str) -> str:
    """An officer's account and its command-line token."""
    with open_session(db) as session:
        add_user(session, "disclosure.officer", ["officer"], "a long enough passphrase")
        return issue_token(session, "disclosure.officer", "a long enough passphrase")


@pytest.fixture
def councillor(web_db: str, tmp_path: Path) -> Path:
    """The councillor request imported, decided, approved and its letter written."""
    answer = tmp_path / "answer"
    write_response(COUNCILLOR, web_db, answer)
    return answer


def _review_file(template: str, path: Path) -> Path:
    """The reviewer's decisions on the printed template: remove everything suggested."""
    review = yaml.safe_load(template)
    for entry in review["decisions"]:
        entry["decision"] = "remove"
        if entry["text"].startswith("Whether Councillor"):
            entry["replacement"] = NEUTRAL_TITLE
    path.write_text(yaml.safe_dump(review), encoding="utf-8")
    return path


def _public_text(client: TestClient, url: str) -> str:
    """Everything the public can fetch from the log about this response, as text."""
    pages = [client.get(url), client.get("/log"), client.get("/log?q=investigation")]
    texts = [page.text for page in pages]
    for link in {a for page in pages for a in _files(page.text)}:
        download = client.get(link)
        assert download.status_code == 200
        texts.append(_file_text(link, download.content))
    return "\n".join(texts)


def _files(html: str) -> list[str]:
    return re.findall(r'href="(/log/[^"]+/files/[^"]+)"', html)


def _file_text(name: str, content: bytes) -> str:
    if name.endswith(".pdf"):
        with pymupdf.open(stream=content, filetype="pdf") as document:
            return "\n".join(p.get_text() for p in document) + json.dumps(document.metadata)
    if name.endswith(".xlsx"):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    return content.decode("utf-8", "replace")


def test_the_councillor_is_named_nowhere_public(web_db: str, councillor: Path) -> None:
    # Publishing without a review is refused, whatever else is ready.
    token = _officer_token(web_db)
    refused = runner.invoke(
        app,
        ["request", "publish", REFERENCE, "--db", web_db, "--answer", str(councillor)],
        env={"FOIDESK_TOKEN": token},
    )
    assert refused.exit_code == 2
    assert f"{REFERENCE} has had no personal-data review" in refused.output
    # The refusal names the command that records the review.
    assert f"foidesk request personal-data {REFERENCE}" in refused.output

    template = _cli(
        "request", "personal-data", REFERENCE, "--answer", str(councillor), "--db", web_db
    )
    suggested = yaml.safe_load(template)["decisions"]
    assert {(d["kind"], d["text"]) for d in suggested} >= {
        ("name", NAME),
        (
            "allegation about a named person",
            "Please tell me whether Councillor Alan Example is being investigated for stalking "
            "his former partner.",
        ),
    }
    review = _review_file(template, councillor.parent / "review.yaml")
    recorded = _cli(
        "request", "personal-data", REFERENCE, "--answer", str(councillor), "--review",
        str(review), "--db", web_db, token=token,
    )  # fmt: skip
    assert f"{REFERENCE}: personal-data review recorded ({len(suggested)} removed)" in recorded
    published = _cli(
        "request", "publish", REFERENCE, "--db", web_db, "--answer", str(councillor), token=token
    )
    url = published.splitlines()[0]
    assert url == f"/log/{REFERENCE}"

    client = TestClient(create_app(web_db, migrate=False))
    page = client.get(url)
    assert page.status_code == 200
    assert f"<title>{NEUTRAL_TITLE}" in page.text
    assert "Neither confirmed nor denied" in page.text
    assert personal_data.REMOVED in page.text
    public = _public_text(client, url)
    assert "response.pdf" in public  # the letter's public copy was among what was read
    # The name in any case, its words as a name is written ("for example" is the search hint).
    for word, flags in ((NAME, re.I), ("Alan", 0), ("Example", 0), ("stalking his", re.I)):
        found = re.search(rf"\b{word}\b", public, flags)
        assert found is None, (word, public[max(0, found.start() - 200) : found.end() + 100])
    # Searching for the person finds nothing; the search index holds the reviewed text.
    for words in (NAME, "Alan", "Example", "stalking former partner"):
        assert REFERENCE not in client.get("/log", params={"q": words}).text, words
    assert REFERENCE in client.get("/log", params={"q": "named person"}).text
    with open_session(web_db) as session:
        row = session.query(PublishedResponse).filter_by(reference=REFERENCE).one()
        stored = " ".join(
            [row.title, row.request_text, row.summary, row.letter_html, row.search_text,
             json.dumps(row.exemptions)]
        )  # fmt: skip
        assert "Example" not in stored
        assert row.title == NEUTRAL_TITLE
    # The register and the requester's own letter keep the requester's words.
    with Register(web_db, migrate=False) as register:
        assert NAME in register.get(REFERENCE).text
    assert NAME in (councillor / "response.html").read_text(encoding="utf-8")


def test_an_ncnd_review_may_not_keep_the_name(web_db: str, councillor: Path) -> None:
    with Register(web_db, migrate=False) as register:
        _, texts = personal_data.review_texts(register, REFERENCE, councillor)
        keep_all = [
            personal_data.Decision(s.text, remove=False, kind=s.kind)
            for s in personal_data.suggestions(texts)
        ]
        with pytest.raises(personal_data.ReviewError) as refused:
            personal_data.record_review(register, REFERENCE, councillor, keep_all, "olly")
    assert f"name '{NAME}' is kept, but a response that neither confirms nor denies" in str(
        refused.value
    )


def test_an_undecided_suggestion_leaves_the_review_incomplete(
    web_db: str, councillor: Path
) -> None:
    with Register(web_db, migrate=False) as register:
        only_name = [personal_data.Decision(NAME, remove=True)]
        with pytest.raises(personal_data.ReviewError, match="has no decision"):
            personal_data.record_review(register, REFERENCE, councillor, only_name, "olly")
        assert register.personal_data_review(REFERENCE) is None


def _approved(db: str, reference: str, text: str, summary: str) -> None:
    with Register(db, migrate=False) as register:
        register.new_request(
            reference, date(2024, 5, 1), text, ["Part one"], "email",
            "someone@example.org", "olly", title="Police dogs", subject="Workforce",
        )  # fmt: skip
        register.decide(reference, 1, "disclosed", [], "olly", summary=summary)
        register.submit_for_approval(reference, "olly")
        register.approve(
            reference, Actor("rita", "reviewer"), fingerprint=register.fingerprint(reference)
        )


def test_a_change_after_the_review_needs_a_new_review(web_db: str) -> None:
    reference = "01.FOI.24.000401"
    _approved(web_db, reference, "How many police dogs?", "There are 40 dogs.")
    with Register(web_db, migrate=False) as register:
        personal_data.record_review(register, reference, None, [], "olly")
        # The summary now names the dog handler: what the reviewer read has changed.
        register.decide(reference, 1, "disclosed", [], "olly", summary="PC Dave Jones has 40.")
        register.submit_for_approval(reference, "olly")
        register.approve(
            reference, Actor("rita", "reviewer"), fingerprint=register.fingerprint(reference)
        )
    with pytest.raises(PublishError, match="changed after its personal-data review by olly"):
        publish_answer(web_db, reference, None)
    with Register(web_db, migrate=False) as register:
        with pytest.raises(personal_data.ReviewError, match="name 'Dave Jones' has no decision"):
            personal_data.record_review(register, reference, None, [], "olly")
        personal_data.record_review(
            register, reference, None, [personal_data.Decision("Dave Jones", True)], "olly"
        )
    publish_answer(web_db, reference, None)
    with open_session(web_db) as session:
        row = published(session, reference)
        assert row.summary == f"Part 1: PC {personal_data.REMOVED} has 40."
        assert "Dave" not in row.letter_html + row.search_text


def test_a_file_still_holding_a_removed_name_is_not_published(
    web_db: str, councillor: Path
) -> None:
    # A CSV someone added to the answer quotes the request: the proof finds the name.
    (councillor / "notes.csv").write_text(f"note\nAsked about {NAME}\n", encoding="utf-8")
    manifest = json.loads((councillor / "manifest.json").read_text())
    manifest["files"].append(
        {
            "path": "notes.csv",
            "title": "Notes",
            "sha256": __import__("hashlib")
            .sha256((councillor / "notes.csv").read_bytes())
            .hexdigest(),
        }
    )
    (councillor / "manifest.json").write_text(json.dumps(manifest))
    with Register(web_db, migrate=False) as register:
        _, texts = personal_data.review_texts(register, REFERENCE, councillor)
        removals = [
            personal_data.Decision(s.text, True, kind=s.kind)
            for s in personal_data.suggestions(texts)
        ]
        personal_data.record_review(register, REFERENCE, councillor, removals, "olly")
    with pytest.raises(PublishError, match=f"notes.csv still holds '{NAME}'"):
        publish_answer(web_db, REFERENCE, councillor)
    client = TestClient(create_app(web_db, migrate=False))
    assert client.get(f"/log/{REFERENCE}").status_code == 404


def test_the_workspace_review_page_records_decisions(
    client_as: Callable[..., TestClient], web_db: str, councillor: Path, tmp_path: Path
) -> None:
    answers = tmp_path / "answers"
    shutil.copytree(councillor, answers / REFERENCE)
    officer = client_as("officer.one", "officer")
    officer.app.state.desk.answers_dir = answers
    page = f"/workspace/requests/{REFERENCE}/personal-data"
    form = officer.get(page)
    assert form.status_code == 200
    assert NAME in form.text and "allegation about a named person" in form.text
    count = form.text.count('name="text-')
    assert count >= 2
    # Every suggestion removed but the name kept: refused for an NCND response.
    hidden = {
        k: html.unescape(v)
        for k, v in re.findall(r'name="((?:text|kind)-\d+)" value="([^"]*)"', form.text)
    }
    data = {**hidden, **{f"decision-{n}": "remove" for n in range(count)}}
    names = [n for n in range(count) if hidden[f"text-{n}"] == NAME]
    data[f"decision-{names[0]}"] = "keep"
    kept = officer.post(page, data={**data, "csrf_token": csrf_of(form.text)})
    assert kept.status_code == 400, kept.text
    assert "neither confirms nor denies may not say who it is about" in kept.text
    data[f"decision-{names[0]}"] = "remove"
    done = officer.post(page, data={**data, "csrf_token": csrf_of(form.text)})
    assert done.status_code == 200, done.text
    assert "Personal-data review recorded" in done.text
    with Register(web_db, migrate=False) as register:
        review = register.personal_data_review(REFERENCE)
        assert review["reviewed_by"] == "officer.one"
        assert {d["text"] for d in review["decisions"] if d["decision"] == "remove"} >= {NAME}


def test_a_refused_publication_leaves_the_response_unsent(web_db: str, tmp_path: Path) -> None:
    # Publishing an approved request records the response only once what the log will
    # show has passed the review's proof: here a file still quotes a removed name.
    reference = "01.FOI.24.000402"
    _approved(web_db, reference, f"How many police dogs did {NAME} see?", "There are 40 dogs.")
    answer = tmp_path / "answer"
    answer.mkdir()
    (answer / "notes.csv").write_text(f"note\nAsked about {NAME}\n", encoding="utf-8")
    package = AnswerPackage.read_or_new(answer)
    package.manifest.files.append(FileEntry.of(answer / "notes.csv", "Notes"))
    package.write()
    with Register(web_db, migrate=False) as register:
        _, texts = personal_data.review_texts(register, reference, answer)
        removals = [
            personal_data.Decision(s.text, True, kind=s.kind)
            for s in personal_data.suggestions(texts)
        ]
        assert NAME in [d.text for d in removals]
        personal_data.record_review(register, reference, answer, removals, "olly")
    with pytest.raises(PublishError, match=f"notes.csv still holds '{NAME}'"):
        publish_answer(web_db, reference, answer)
    with Register(web_db, migrate=False) as register:
        assert register.status(reference) == "approved"
        assert register.get(reference).responded_on is None
    with open_session(web_db) as session:
        assert published(session, reference) is None
