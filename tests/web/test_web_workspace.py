"""The officers' workspace over HTTP: decide, submit, approve, publish; deadlines; s45; tables."""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from fastapi.testclient import TestClient
from site_setup import SEED, SEED_REFERENCE, Site, csrf_of, make_user, sign_in

from foidesk.foi import letter_kinds
from foidesk.foi.clock import UK_CALENDAR
from foidesk.foi.register import Register
from foidesk.foi.standing import deadline_status
from foidesk.web.app import create_app
from foidesk.web.jobs import Jobs

REFERENCE = "01.FOI.24.000101"
S31 = {
    "decision": "partly disclosed",
    "summary": "The policy is released with tactical sections redacted.",
    "section": "s31",
    "subsection": "(1)(a) and (b)",
    "applies_to": "tactical sections of the policy",
    "harm": "Offenders could predict how and when police respond to domestic abuse calls.",
    "factors_for": "Transparency about how abuse is handled\nScrutiny of public spending",
    "factors_against": "Helping offenders evade the police response",
    "balance": "The public interest favours withholding the tactical sections.",
}


def new_request(db: str, reference: str = REFERENCE, received: date | None = None) -> None:
    with Register(db, migrate=False) as register:
        register.new_request(
            reference,
            received or date.today() - timedelta(days=3),
            "Please send your domestic abuse policy.",
            ["The current domestic abuse policy"],
            "email",
            "requester@example.org",
            "officer.one",
            title="Domestic abuse policy",
            subject="Domestic abuse",
        )


def post(client: TestClient, path: str, data: dict | None = None, page: str = "/workspace"):
    token = csrf_of(client.get(page).text)
    return client.post(path, data={**(data or {}), "csrf_token": token})


def test_officer_decides_reviewer_approves_and_it_is_published(
    client_as: Callable[..., TestClient], web_db: str
) -> None:
    new_request(web_db)
    officer = client_as("officer.one", "officer")
    reviewer = client_as("reviewer.one", "reviewer")
    page = f"/workspace/requests/{REFERENCE}"

    early = post(officer, f"{page}/publish", page=page)
    assert early.status_code == 400
    assert "only a request a reviewer has approved is published" in early.text

    decided = post(officer, f"{page}/decide", {"part": "1", **S31}, page=page)
    assert decided.status_code == 200
    assert "Decision recorded for part 1." in decided.text
    assert "partly disclosed (by officer.one)" in decided.text
    assert "Helping offenders evade the police response" in decided.text

    submitted = post(officer, f"{page}/submit", page=page)
    assert 'id="stage">Awaiting approval<' in submitted.text
    shown = reviewer.get(page).text
    fingerprint = re.search(r'name="fingerprint" value="([0-9a-f]{64})"', shown).group(1)
    approved = post(reviewer, f"{page}/approve", {"fingerprint": fingerprint}, page=page)
    assert 'id="stage">Approved<' in approved.text
    assert "Approved by" in approved.text and "reviewer.one" in approved.text

    unreviewed = post(officer, f"{page}/publish", page=page)
    assert unreviewed.status_code == 400
    assert f"{REFERENCE} has had no personal-data review" in unreviewed.text
    review = post(officer, f"{page}/personal-data", page=f"{page}/personal-data")
    assert "Personal-data review recorded" in review.text

    # Publishing runs in the background: the form leads to the job's page.
    started = post(officer, f"{page}/publish", page=page)
    assert 'id="job-state">' in started.text
    officer.app.state.desk.jobs.wait()
    published = officer.get(str(started.url))
    assert "Published to the disclosure log." in published.text
    assert f'id="job-result" href="/log/{REFERENCE}"' in published.text
    public = TestClient(officer.app)
    public.cookies.clear()
    entry = public.get(f"/log/{REFERENCE}")
    assert entry.status_code == 200
    assert "Information partially disclosed" in entry.text
    assert "Section 31(1)(a) and (b)" in entry.text
    assert "requester@example.org" not in entry.text
    assert REFERENCE in public.get("/log?q=domestic+abuse+policy").text

    audit = officer.get(f"{page}/audit").text
    for action in ("decision", "submitted for approval", "approved", "responded"):
        assert f">{action}<" in audit
    assert "reviewer.one (reviewer)" in audit


def test_the_register_refusals_are_shown_not_hidden(
    client_as: Callable[..., TestClient], web_db: str
) -> None:
    new_request(web_db)
    officer = client_as("officer.one", "officer", "reviewer")
    page = f"/workspace/requests/{REFERENCE}"
    refused = post(officer, f"{page}/submit", page=page)
    assert refused.status_code == 400
    assert "submit&#39; cannot happen now" in refused.text
    no_harm = post(officer, f"{page}/decide", {"part": "1", **S31, "harm": ""}, page=page)
    assert no_harm.status_code == 400
    assert "harm" in no_harm.text.lower()
    post(officer, f"{page}/decide", {"part": "1", **S31}, page=page)
    post(officer, f"{page}/submit", page=page)
    own = post(officer, f"{page}/approve", page=page)
    assert own.status_code == 400
    assert "a reviewer who took no part must approve it" in own.text


def test_clarification_and_cost_lines_from_the_request_page(
    client_as: Callable[..., TestClient], web_db: str
) -> None:
    new_request(web_db)
    officer = client_as("officer.one", "officer")
    page = f"/workspace/requests/{REFERENCE}"
    asked = post(officer, f"{page}/clarify", {"question": "Which policy version?"}, page)
    assert "Clarification sought" in asked.text and "Awaiting the answer." in asked.text
    # While the clarification is open the clock is stopped: no due date, and since when.
    since = f"Clock stopped since {date.today():%d %B %Y}"
    assert since in asked.text
    assert since in officer.get("/workspace").text
    assert since in officer.get("/workspace?show=stopped").text
    answered = post(officer, f"{page}/answer", {"answer": "The current one"}, page)
    assert "The current one" in answered.text
    with Register(web_db, migrate=False) as register:
        assert register.get(REFERENCE).clarifications[0].answered_on == date.today()
    costed = post(
        officer,
        f"{page}/cost",
        {"activity": "extract", "description": "read each report", "records": "600",
         "minutes_per_record": "2", "part": "1"},
        page,
    )  # fmt: skip
    assert costed.status_code == 200
    assert "read each report" in costed.text
    # 600 records at 2 minutes is 20 hours (£500), over the police limit of £450.
    estimate = re.search(r'id="estimate">(.*?)</p>', costed.text, re.S).group(1)
    assert "Total 20.00 hours, £500.00, against the limit of £450" in estimate
    assert "exceeds the appropriate limit" in estimate


def test_register_shows_deadline_status_with_its_explanation(
    client_as: Callable[..., TestClient], web_db: str
) -> None:
    today = date.today()
    new_request(web_db, "01.FOI.24.000201", today - timedelta(days=70))
    new_request(web_db, "01.FOI.24.000202", today - timedelta(days=1))
    officer = client_as("officer.one", "officer")
    listing = officer.get("/workspace").text
    assert listing.index("01.FOI.24.000201") < listing.index("01.FOI.24.000202")
    assert re.search(r"Overdue by \d+ working days", listing)
    # Counted apart from the clock: numpy's business-day offset over the calendar's
    # weekday holidays, from the receipt day rolled back to a working day.
    received = today - timedelta(days=70)
    span = [received + timedelta(days=n) for n in range(60)]
    holidays = [d for d in span if d.weekday() < 5 and UK_CALENDAR.non_working_reason(d)]
    due = np.busday_offset(received, 20, roll="backward", holidays=holidays).astype(date)
    assert f"day 20 is {due:%a} {due.isoformat()}" in listing


def test_deadline_status_words(web_db: str) -> None:
    received = date(2024, 5, 1)
    new_request(web_db, received=received)
    with Register(web_db, migrate=False) as register:
        due = register.deadline(REFERENCE).due
        # Day 20 after Wed 1 May 2024, skipping the bank holidays of 6 and 27 May.
        assert due == date(2024, 5, 31)
        cases = {
            date(2024, 5, 20): "8 working days left",
            date(2024, 5, 28): "Due soon: 3 working days left",
            due: "Due soon: 0 working days left",
            date(2024, 6, 3): "Overdue by 1 working day",
            date(2024, 6, 5): "Overdue by 3 working days",
        }
        for today, words in cases.items():
            assert (
                deadline_status(register.deadline(REFERENCE), "in progress", today).label == words
            )
        assert deadline_status(register.deadline(REFERENCE), "responded", due).label == "Responded"


def test_s45_statistics_page(client_as: Callable[..., TestClient], seed_site: Site) -> None:
    reviewer = TestClient(create_app(seed_site.db, migrate=False))
    sign_in(reviewer, "stats.reader", make_user(seed_site.db, "stats.reader", "reviewer"))
    page = reviewer.get("/workspace/statistics?period=quarter").text
    assert '<th scope="row" class="govuk-table__header">2024Q2</th>' in page
    month = reviewer.get("/workspace/statistics?period=month").text
    # Received 22 April 2024 and answered in June: counted in April, the month received.
    assert ">2024-04<" in month and ">2024-06<" not in month


def test_letter_preview_and_tables_with_disclosure_control(seed_site: Site, tmp_path: Path) -> None:
    requests = tmp_path / "requests"
    requests.mkdir()
    shutil.copy(SEED, requests / f"{SEED_REFERENCE}.yaml")
    answers = tmp_path / "answers"
    app = create_app(
        seed_site.db,
        migrate=False,
        answers_dir=answers,
        requests_dir=requests,
        records=Path(seed_site.db).with_name("records.duckdb"),
    )
    analyst = TestClient(app)
    sign_in(analyst, "analyst.one", make_user(seed_site.db, "analyst.one", "analyst"))
    letter = analyst.get(f"/workspace/requests/{SEED_REFERENCE}/letter").text
    assert "I note you seek access to the following information" in letter
    page = f"/workspace/requests/{SEED_REFERENCE}/tables"
    assert "No tables have been computed" in analyst.get(page).text
    started = post(analyst, page, page=page)
    app.state.desk.jobs.wait()
    assert "Tables computed with disclosure control applied." in analyst.get(str(started.url)).text
    assert (answers / SEED_REFERENCE / "tables.xlsx").is_file()
    ran = analyst.get(page)
    assert ran.text.count('<table class="govuk-table">') == 6
    summary = re.search(r'id="control-summary">([^<]*)<', ran.text).group(1)
    assert re.fullmatch(r"\d+ cells shown as \[c\]; audit passed.*", summary), summary
    assert 'id="control-passed">yes<' in ran.text


def test_an_officer_logs_a_new_request(client_as: Callable[..., TestClient], web_db: str) -> None:
    officer = client_as("officer.one", "officer")
    form = {
        "reference": "01.FOI.24.000555",
        "received": "2024-06-03",
        "channel": "web form",
        "title": "Drones",
        "subject": "Equipment",
        "text": "How many drones does the force own? What did they cost?",
        "parts": "Number of drones\nTheir cost",
        "requester_contact": "drone.fan@example.org",
    }
    logged = post(officer, "/workspace/requests", form)
    assert logged.status_code == 200
    assert "Request 01.FOI.24.000555 logged." in logged.text
    assert "Their cost" in logged.text
    assert "drone.fan@example.org" not in logged.text
    with Register(web_db, migrate=False) as register:
        record = register.get("01.FOI.24.000555")
        assert [p.text for p in record.parts] == ["Number of drones", "Their cost"]
        assert record.requester_contact == "drone.fan@example.org"
        assert record.received == date(2024, 6, 3)
    refused = post(officer, "/workspace/requests", {**form, "reference": "FOI-1"})
    assert refused.status_code == 400
    assert "does not match the pattern" in refused.text
    analyst = client_as("analyst.one", "analyst")
    assert post(analyst, "/workspace/requests", form).status_code == 403


def _letters_table(page: str) -> str:
    """The body of the request page's table of letters issued."""
    return page.split('id="letters"', 1)[1].split("<tbody", 1)[1].split("</table>", 1)[0]


def test_the_letter_form_offers_each_kind_by_its_title(web_db: str, tmp_path: Path) -> None:
    """The officer chooses a letter by what it is called, not by typing a kind's name, and
    none is chosen until they choose."""
    new_request(web_db)
    officer = TestClient(create_app(web_db, migrate=False, answers_dir=tmp_path / "answers"))
    sign_in(officer, "officer.one", make_user(web_db, "officer.one", "officer"))
    page = f"/workspace/requests/{REFERENCE}"
    form = officer.get(page).text.split('id="step-letter"', 1)[1].split("</form>", 1)[0]
    assert '<label class="govuk-label" for="letter-kind">Kind of letter</label>' in form
    select = re.search(r'<select class="govuk-select" id="letter-kind" name="kind">(.*?)</select>',
                       form, re.S)  # fmt: skip
    assert select is not None
    options = re.findall(r'<option value="([^"]*)">([^<]*)</option>', select.group(1))
    assert options == [("", "Choose a letter")] + [
        (k.name, k.title) for k in letter_kinds.KINDS.values()
    ]
    assert ("fees-notice", "Fees notice") in options
    # Sent without a choice, the form is refused on the page, naming the kinds.
    refused = post(officer, f"{page}/letter", {"kind": ""}, page=page)
    assert refused.status_code == 400
    assert "no letter kind &#39;&#39;: kinds are acknowledgement" in refused.text
    assert not (tmp_path / "answers" / REFERENCE / "letters").exists()


def test_an_acknowledgement_the_workflow_refuses_is_refused_at_once(
    seed_site: Site, tmp_path: Path
) -> None:
    """Issuing an acknowledgement also acknowledges the request: on a request already
    responded to, that step cannot happen, so the letter is refused on the request's page
    rather than by a job that fails after the form has returned."""
    db = str(tmp_path / "desk.sqlite")
    shutil.copyfile(seed_site.db, db)
    answers = tmp_path / "answers"
    app = create_app(db, migrate=False, answers_dir=answers)
    officer = TestClient(app)
    sign_in(officer, "officer.one", make_user(db, "officer.one", "officer"))
    page = f"/workspace/requests/{SEED_REFERENCE}"
    refused = post(officer, f"{page}/letter", {"kind": "acknowledgement"}, page=page)
    assert refused.status_code == 400
    error = re.search(r'id="error">([^<]*)<', refused.text)
    assert error is not None
    assert error.group(1) == (
        f"{SEED_REFERENCE}: the acknowledgement cannot be issued: {SEED_REFERENCE} is "
        "&#39;responded&#39;: &#39;acknowledge&#39; cannot happen now"
    )
    assert 'id="job-state">' not in refused.text
    assert not (answers / SEED_REFERENCE / "letters").exists()
    with Register(db, migrate=False) as register:
        assert register.get(SEED_REFERENCE).letters == []


def test_the_request_page_lists_the_letters_issued(web_db: str, tmp_path: Path) -> None:
    new_request(web_db)
    answers = tmp_path / "answers"
    app = create_app(web_db, migrate=False, answers_dir=answers)
    officer, analyst = TestClient(app), TestClient(app)
    sign_in(officer, "officer.one", make_user(web_db, "officer.one", "officer"))
    sign_in(analyst, "analyst.one", make_user(web_db, "analyst.one", "analyst"))
    page = f"/workspace/requests/{REFERENCE}"
    assert "No letter has been issued for this request." in officer.get(page).text

    today = date.today()
    # A refusal shows on the request's page at once, with nothing started or written.
    refused = post(officer, f"{page}/letter", {"kind": "transfer"}, page=page)
    assert refused.status_code == 400
    assert "the transfer notice cannot be issued: it lacks the authority" in refused.text
    assert 'id="job-state">' not in refused.text
    assert not (answers / REFERENCE / "letters").exists()
    # The PDF is written in the background: the form leads to the job's page.
    started = post(officer, f"{page}/letter", {"kind": "acknowledgement"}, page=page)
    assert 'id="job-state">' in started.text and "Issuing a letter" in started.text
    app.state.desk.jobs.wait()
    done = officer.get(str(started.url)).text
    assert "Letter issued and recorded." in done
    assert f'id="job-result" href="{page}#letters"' in done
    issued = officer.get(page)
    assert issued.status_code == 200, issued.text
    rows = re.findall(
        r"<tr class=\"govuk-table__row\">(.*?)</tr>", _letters_table(issued.text), re.S
    )
    assert len(rows) == 1
    cells = [
        re.sub(r"<[^>]+>", " ", c).split()
        for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", rows[0], re.S)
    ]
    name, on = f"acknowledgement-{today.isoformat()}", f"{today.day} {today:%B %Y}"
    assert cells == [
        ["Acknowledgement"],
        on.split(),
        ["officer.one"],
        # Each link says, to a screen reader, which letter it is.
        f"PDF of the acknowledgement of {on} · HTML of the acknowledgement of {on}".split(),
    ]
    pdf_url = f"{page}/letters/{name}.pdf"
    assert f'href="{pdf_url}"' in rows[0] and f'href="{page}/letters/{name}.html"' in rows[0]
    pdf = officer.get(pdf_url)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content == (answers / REFERENCE / "letters" / f"{name}.pdf").read_bytes()
    assert f'filename="{name}.pdf"' in pdf.headers["content-disposition"]

    # An analyst sees which letters went out, but not the letters themselves.
    shown = _letters_table(analyst.get(page).text)
    assert "Acknowledgement" in shown and "href=" not in shown
    assert analyst.get(pdf_url).status_code == 403
    # Only a file recorded as a letter of this request is served, as it was issued.
    (answers / REFERENCE / "letters" / "notes.pdf").write_bytes(b"%PDF-1.7 not a letter")
    assert officer.get(f"{page}/letters/notes.pdf").status_code == 404
    (answers / REFERENCE / "letters" / f"{name}.pdf").write_bytes(b"%PDF-1.7 changed")
    assert officer.get(pdf_url).status_code == 404
    assert "PDF" not in _letters_table(officer.get(page).text).split("officer.one", 1)[1]


def test_a_template_that_drops_an_element_is_shown_not_a_server_error(
    web_db: str, tmp_path: Path, enclosure_note: str
) -> None:
    new_request(web_db)
    answers = tmp_path / "answers"
    app = create_app(web_db, migrate=False, answers_dir=answers)
    desk = app.state.desk
    # One worker, kept busy until the request has changed: the letter's job then finds
    # what its quick check, done before the change, could not.
    desk.jobs.shutdown()
    desk.jobs = Jobs(desk.sessions, workers=1)
    officer = TestClient(app)
    sign_in(officer, "officer.one", make_user(web_db, "officer.one", "officer"))
    page = f"/workspace/requests/{REFERENCE}"
    busy = threading.Event()
    desk.jobs.start("wait", REFERENCE, "officer.one", lambda _progress: str(busy.wait(60)))
    started = post(officer, f"{page}/letter", {"kind": enclosure_note}, page=page)
    assert started.status_code == 200, started.text
    assert 'id="job-state">' in started.text
    desk.register.acknowledge(REFERENCE, date.today(), "officer.one")
    busy.set()
    desk.jobs.wait()
    failed = officer.get(str(started.url)).text
    why = "template acknowledgement.html.j2 does not show enclosure"
    assert 'id="job-state">failed<' in failed
    assert why in failed.split('id="job-error">', 1)[1].split("</p>", 1)[0]
    assert not list((answers / REFERENCE / "letters").glob("enclosure-note-*"))
    # Asked again, the quick check finds it at once and says so on the request's page.
    refused = post(officer, f"{page}/letter", {"kind": enclosure_note}, page=page)
    assert refused.status_code == 400
    assert why in refused.text
    assert 'id="job-state">' not in refused.text
    assert [letter.kind for letter in desk.register.get(REFERENCE).letters] == []


def test_a_part_the_request_lacks_is_shown_on_its_page(
    client_as: Callable[..., TestClient], web_db: str
) -> None:
    new_request(web_db)
    officer = client_as("officer.one", "officer")
    page = f"/workspace/requests/{REFERENCE}"
    decided = post(officer, f"{page}/decide", {"part": "2", "decision": "disclosed"}, page=page)
    assert decided.status_code == 400
    assert f"{REFERENCE} has no part 2 (parts: 1)" in decided.text
    with Register(web_db, migrate=False) as register:
        assert [p.decision for p in register.get(REFERENCE).parts] == [None]


def test_a_refusal_in_the_workspace_leads_back_to_the_register(
    client_as: Callable[..., TestClient], web_db: str
) -> None:
    """Signed-in staff refused a workspace page are pointed back to the register; a
    visitor's error on the public log still points to the log, never to the workspace."""
    new_request(web_db)
    analyst = client_as("analyst.one", "analyst")
    refused = analyst.get(f"/workspace/requests/{REFERENCE}/requester")
    assert refused.status_code == 403
    assert '<a class="govuk-link" href="/workspace">Go to the register</a>' in refused.text
    missing = analyst.get("/workspace/requests/01.FOI.24.999999")
    assert missing.status_code == 404
    assert '<a class="govuk-link" href="/workspace">Go to the register</a>' in missing.text
    public = TestClient(create_app(web_db, migrate=False)).get("/log/no-such-reference")
    assert public.status_code == 404
    assert '<a class="govuk-link" href="/log">Go to the disclosure log</a>' in public.text
    assert "Go to the register" not in public.text


def test_the_workspace_navigation_marks_where_the_user_is(
    client_as: Callable[..., TestClient], web_db: str
) -> None:
    new_request(web_db)
    admin = client_as("admin.one", "officer", "admin")

    def current(path: str) -> list[tuple[str, str]]:
        page = admin.get(path).text
        nav = page.split('aria-label="Workspace"', 1)[1].split("</nav>", 1)[0]
        return re.findall(r'href="([^"]+)" aria-current="(page|true)"', nav)

    assert current("/workspace") == [("/workspace", "page")]
    assert current("/workspace?show=open") == [("/workspace", "page")]
    # A request's pages belong to the register, without being the register page itself.
    assert current(f"/workspace/requests/{REFERENCE}") == [("/workspace", "true")]
    assert current(f"/workspace/requests/{REFERENCE}/audit") == [("/workspace", "true")]
    assert current("/workspace/statistics") == [("/workspace/statistics", "page")]
    assert current("/workspace/users") == [("/workspace/users", "page")]
    assert current("/workspace/password") == [("/workspace/password", "page")]


def test_workspace_pages_are_titled_as_the_workspace(
    client_as: Callable[..., TestClient], web_db: str
) -> None:
    """A browser tab or a screen reader tells the staff workspace from the public log."""
    new_request(web_db)
    officer = client_as("officer.one", "officer")

    def title(text: str) -> str:
        found = re.search(r"<title>([^<]*)</title>", text)
        assert found is not None
        return found.group(1)

    assert title(officer.get("/workspace").text) == "Register – FOI workspace"
    assert title(officer.get(f"/workspace/requests/{REFERENCE}").text) == (
        f"{REFERENCE}: Domestic abuse policy – FOI workspace"
    )
    refused = post(officer, f"/workspace/requests/{REFERENCE}/decide", {"part": "9"})
    assert title(refused.text) == f"Error: {REFERENCE}: Domestic abuse policy – FOI workspace"
    public = TestClient(create_app(web_db, migrate=False)).get("/log")
    assert title(public.text) == "Disclosure log – Freedom of information disclosure log"


def test_a_review_with_nothing_suggested_points_to_the_text_to_read(
    client_as: Callable[..., TestClient], web_db: str
) -> None:
    """With no suggestion to decide, the page asks for no decisions and links to the texts
    the reviewer is told to read themselves."""
    new_request(web_db)
    page = client_as("officer.one", "officer").get(f"/workspace/requests/{REFERENCE}/personal-data")
    assert page.status_code == 200
    assert "Decide for each item below" not in page.text
    assert "the people they fear. The log and its search show the reviewed text" in page.text
    assert "foidesk found nothing to suggest." in page.text
    assert f'<a class="govuk-link" href="/workspace/requests/{REFERENCE}">the request</a>' in (
        page.text
    )
    assert (
        f'<a class="govuk-link" href="/workspace/requests/{REFERENCE}/letter">the letter</a>'
        in page.text
    )
