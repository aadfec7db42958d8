"""Every step of the workflow taken in Chromium, from the request page, by the right account.

Each case puts a request at the point just before the step (through the register's API),
signs in as an officer or a reviewer, opens the step's form on the request page, fills it
and presses its button, then reads the register to check the step was recorded. A test
also checks that the cases cover every step of the table but logging, walked here from the
register page, and the personal-data review, which has a page of its own (walked in
test_web_browser.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from site_setup import LiveServer, make_user, start_server

from foidesk.db import upgrade
from foidesk.foi import workflow
from foidesk.foi.clock import add_working_days
from foidesk.foi.personal_data import record_review
from foidesk.foi.register import Actor, Register
from foidesk.settings import Authority, Contact, Settings, Signatory
from foidesk.web.app import create_app

pytestmark = pytest.mark.browser

TODAY = date.today()
RECEIVED = TODAY - timedelta(days=10)
OFFICER = Actor("officer.setup", "officer")
REVIEWER = Actor("reviewer.setup", "reviewer")


def _received(r: Register, ref: str) -> None:
    r.new_request(ref, RECEIVED, "Mounted officers.", ["How many?"], "email", "", OFFICER)


def _decided(r: Register, ref: str) -> None:
    _received(r, ref)
    r.decide(ref, 1, "disclosed", [], OFFICER, summary="There are 32.")


def _submitted(r: Register, ref: str) -> None:
    _decided(r, ref)
    r.submit_for_approval(ref, OFFICER)


def _approved(r: Register, ref: str) -> None:
    _submitted(r, ref)
    r.approve(ref, REVIEWER, fingerprint=r.fingerprint(ref))


def _reviewed(r: Register, ref: str) -> None:
    _approved(r, ref)
    record_review(r, ref, None, [], OFFICER)


def _responded(r: Register, ref: str) -> None:
    _approved(r, ref)
    r.respond(ref, TODAY - timedelta(days=6), [], OFFICER)


def _clarifying(r: Register, ref: str) -> None:
    _received(r, ref)
    r.clarify(ref, RECEIVED + timedelta(days=1), "Which years?", OFFICER)


def _fee_due(r: Register, ref: str) -> None:
    _received(r, ref)
    r.fee_notice(ref, RECEIVED + timedelta(days=1), 25, OFFICER)


def _under_review(r: Register, ref: str) -> None:
    _responded(r, ref)
    r.internal_review(ref, TODAY - timedelta(days=5), OFFICER)


def _at_ico(r: Register, ref: str) -> None:
    _responded(r, ref)
    r.ico_appeal(ref, TODAY - timedelta(days=5), OFFICER, ico_reference="IC-1")


def _notice(r: Register, ref: str) -> None:
    _at_ico(r, ref)
    r.ico_decision(ref, TODAY - timedelta(days=3), "Disclose more.", OFFICER)


def _at_tribunal(r: Register, ref: str) -> None:
    _notice(r, ref)
    r.tribunal_appeal(ref, TODAY - timedelta(days=2), OFFICER)


LONG_AGO = TODAY - timedelta(days=120)


def _fee_unpaid_for_months(r: Register, ref: str) -> None:
    r.new_request(ref, LONG_AGO, "Police horses.", ["How many?"], "email", "", OFFICER)
    r.fee_notice(ref, LONG_AGO, 25, OFFICER)


def _reminded_long_ago(r: Register, ref: str) -> None:
    r.new_request(ref, LONG_AGO, "Police horses.", ["How many?"], "email", "", OFFICER)
    r.clarify(ref, LONG_AGO, "Which years?", OFFICER)
    r.remind_clarification(ref, LONG_AGO + timedelta(days=70), OFFICER)


def _other(ref: str) -> str:
    return f"{ref[:-3]}{int(ref[-3:]) + 50:03d}"


def _two_alike(r: Register, ref: str) -> None:
    for reference in (ref, _other(ref)):
        r.new_request(
            reference,
            RECEIVED,
            "Mounted officers in 2024.",
            [],
            "email",
            "sam@example.org",
            OFFICER,
        )


def _new_due(r: Register, ref: str) -> str:
    statutory = r.deadline(ref).statutory_due
    new_due, _ = add_working_days(statutory, 10)
    return new_due.isoformat()


@dataclass(frozen=True)
class Case:
    """A step: the state before it, who takes it, what they type, what the register shows."""

    command: str
    before: Callable[[Register, str], None]
    check: Callable[[object], bool]
    fields: dict[str, str | Callable[[Register, str], str]] = field(default_factory=dict)
    reviewer: bool = False


CASES = [
    Case("acknowledge", _received, lambda q: q.acknowledged_on == TODAY),
    Case(
        "clarify",
        _received,
        lambda q: q.status == "awaiting clarification",
        {"What needs clarifying": "Which years?"},
    ),
    Case(
        "answer",
        _clarifying,
        lambda q: q.clarifications[0].answer == "2020 on.",
        {"The requester's answer": "2020 on."},
    ),
    Case("fee-notice", _received, lambda q: q.status == "awaiting fee", {"Amount (£)": "25"}),
    Case("fee-paid", _fee_due, lambda q: q.fee_notices[0].paid_on == TODAY),
    Case("lapse", _fee_unpaid_for_months, lambda q: q.status == "lapsed"),
    Case("remind", _clarifying, lambda q: q.clarifications[0].reminded_on == TODAY),
    Case("close", _reminded_long_ago, lambda q: q.clarifications[0].closed_on == TODAY),
    Case(
        "aggregate",
        _two_alike,
        lambda q: [a.other_reference for a in q.aggregations] == [_other(q.reference)],
        {
            "Requests to aggregate with": lambda r, ref: _other(ref),
            "Why they may be aggregated": "The same requester asks for the same figures.",
        },
    ),
    Case(
        "cost",
        _received,
        lambda q: q.cost_lines[0].records == 600,
        {"Description": "read each report", "Records": "600", "Minutes per record": "2"},
    ),
    Case(
        "decide",
        _received,
        lambda q: q.parts[0].decision == "disclosed",
        {"Summary for the letter": "There are 32."},
    ),
    Case(
        "advise",
        _decided,
        lambda q: q.advice == "Ask for one year.",
        {"Advice and assistance (s16)": "Ask for one year."},
    ),
    Case(
        "extend",
        _decided,
        lambda q: len(q.extensions) == 1,
        {"Qualified exemption being weighed": "s31", "New date for the response": _new_due},
    ),
    Case("submit", _decided, lambda q: q.status == "awaiting approval"),
    Case("approve", _submitted, lambda q: q.approved_by == "reviewer.walk", reviewer=True),
    Case("respond", _approved, lambda q: q.responded_on == TODAY),
    Case(
        "letter",
        _received,
        lambda q: (
            [(x.kind, x.issued_on) for x in q.letters] == [("acknowledgement", TODAY)]
            and q.acknowledged_on == TODAY
        ),
        {"Kind of letter": "acknowledgement"},
    ),
    Case("publish", _reviewed, lambda q: q.status == "responded"),
    Case(
        "withdraw",
        _decided,
        lambda q: q.status == "withdrawn",
        {"How the requester withdrew it": "By email."},
    ),
    Case(
        "transfer",
        _received,
        lambda q: q.transferred_to == "HM Courts and Tribunals Service",
        {"The authority that holds the information": "HM Courts and Tribunals Service"},
    ),
    Case("review", _responded, lambda q: q.status == "under internal review"),
    Case(
        "review-decided",
        _under_review,
        lambda q: q.reviews[0].outcome == "Upheld.",
        {"What the review decided": "Upheld."},
        reviewer=True,
    ),
    Case("ico", _responded, lambda q: q.status == "at ICO", {"ICO case reference": "IC-9"}),
    Case(
        "ico-decided",
        _at_ico,
        lambda q: q.appeals[0].compliance_days == 28,
        {"What the decision notice found": "Disclose.", "Days it gives to comply": "28"},
    ),
    Case("comply", _notice, lambda q: q.appeals[0].complied_on == TODAY),
    Case("tribunal", _notice, lambda q: q.status == "at tribunal"),
    Case(
        "tribunal-decided",
        _at_tribunal,
        lambda q: q.appeals[0].tribunal_outcome == "Dismissed.",
        {"What the Tribunal decided": "Dismissed."},
    ),
    Case(
        "correct",
        _decided,
        lambda q: q.received == RECEIVED - timedelta(days=1),
        {
            "Correct date of receipt": (RECEIVED - timedelta(days=1)).isoformat(),
            "Why the entry was wrong": "It arrived the day before.",
        },
    ),
]


def test_the_cases_cover_every_step_but_logging_and_the_review() -> None:
    # Logging is on the register page (walked below) and the personal-data review on its
    # own page (walked in test_web_browser.py).
    expected = {s.command for s in workflow.STEPS} - {"new", "personal-data"}
    assert {c.command for c in CASES} == expected


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    db = str(tmp_path_factory.mktemp("walk") / "desk.sqlite")
    upgrade(db)
    # Letters need a review address and a signatory from the settings, and are kept beside
    # the answers.
    settings = Settings(
        authority=Authority(
            contact=Contact(email="foi@force.example"),
            signatory=Signatory(name="Alex Morgan", role="Information Manager"),
        )
    )
    answers = tmp_path_factory.mktemp("answers")
    server = start_server(create_app(db, migrate=False, settings=settings, answers_dir=answers))
    server.db = db  # type: ignore[attr-defined]
    server.passwords = {  # type: ignore[attr-defined]
        "officer.walk": make_user(db, "officer.walk", "officer"),
        "reviewer.walk": make_user(db, "reviewer.walk", "reviewer"),
    }
    yield server
    server.stop()


# The steps that run as background jobs, with what their page says when done.
JOBS = {"publish": "Published to the disclosure log.", "letter": "Letter issued and recorded."}


def _sign_in(page, desk: LiveServer, who: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.get_by_label("User name").fill(who)
    page.get_by_label("Password").fill(desk.passwords[who])  # type: ignore[attr-defined]
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/workspace")


def _take(page, case: Case, register: Register, reference: str) -> None:  # type: ignore[no-untyped-def]
    """Open the step's form on the request page, fill it and press its button."""
    name = workflow.BY_COMMAND[case.command].name
    if case.command in ("submit", "approve", "publish"):
        button = {
            "submit": "Submit for approval",
            "approve": "Approve the response",
            "publish": "Publish to the disclosure log",
        }[case.command]
        page.get_by_role("button", name=button).click()
        return
    if case.command == "decide":
        page.get_by_text("Record the decision on part 1").click()
        page.get_by_label("Decision", exact=True).select_option("disclosed")
        scope = page.locator(
            "form", has=page.get_by_role("button", name="Record decision on part 1")
        )
        button = "Record decision on part 1"
    elif case.command == "clarify":
        page.get_by_text("Seek clarification", exact=True).first.click()
        scope = page.locator("form[action$='/clarify']")
        button = "Seek clarification"
    elif case.command == "answer":
        scope = page.locator("form[action$='/answer']")
        button = "Record the answer"
    elif case.command == "cost":
        page.get_by_text("Add a cost line").click()
        scope = page.locator("form[action$='/cost']")
        button = "Add cost line"
    else:
        scope = page.locator(f"#step-{case.command}")
        scope.locator("summary").click()
        button = name[:1].upper() + name[1:]
    for label, value in case.fields.items():
        text = value(register, reference) if callable(value) else value
        field = scope.get_by_label(label, exact=True)
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(text)
        else:
            field.fill(text)
    scope.get_by_role("button", name=button).click()


@pytest.mark.parametrize("case", CASES, ids=[c.command for c in CASES])
def test_each_step_from_the_request_page(browser, desk: LiveServer, case: Case) -> None:  # type: ignore[no-untyped-def]
    reference = f"01.FOI.24.{900 + CASES.index(case):06d}"
    with Register(desk.db, migrate=False) as register:  # type: ignore[attr-defined]
        case.before(register, reference)
        who = "reviewer.walk" if case.reviewer else "officer.walk"
        context = browser.new_context(base_url=desk.url)
        page = context.new_page()
        try:
            _sign_in(page, desk, who)
            page.goto(f"/workspace/requests/{reference}")
            _take(page, case, register, reference)
            if case.command in JOBS:
                # Publishing and letters run as background jobs: the job's page refreshes
                # until it is done.
                expect(page.get_by_role("heading", name="Done")).to_be_visible(timeout=60_000)
                expect(page.get_by_text(JOBS[case.command])).to_be_visible()
            else:
                expect(page.locator("#flash")).to_be_visible()
            expect(page.locator("#error")).to_have_count(0)
        finally:
            context.close()
        after = register.get(reference)
    assert case.check(after), (case.command, after.status)


def test_logging_a_request_from_the_register_page(browser, desk: LiveServer) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=desk.url)
    page = context.new_page()
    try:
        _sign_in(page, desk, "officer.walk")
        page.get_by_text("Show the form").click()
        page.get_by_label("Reference", exact=True).fill("01.FOI.24.000999")
        page.get_by_label("Date received").fill(RECEIVED.isoformat())
        page.get_by_label("Received by").select_option("post")
        page.get_by_label("Title for the disclosure log").fill("Police horses")
        page.get_by_label("The request as received").fill("How many police horses are there?")
        page.get_by_label("Requester type").select_option("media")
        page.get_by_label("Requester's contact").fill("desk@example.org")
        page.get_by_role("button", name="Log the request").click()
        page.wait_for_url("**/workspace/requests/01.FOI.24.000999")
        expect(page.locator("#flash")).to_have_text("Request 01.FOI.24.000999 logged.")
        expect(page.locator("#stage")).to_have_text("Received")
        expect(page.locator("#requester-type")).to_have_text("media")
    finally:
        context.close()
    with Register(desk.db, migrate=False) as register:  # type: ignore[attr-defined]
        logged = register.get("01.FOI.24.000999")
    assert (logged.received, logged.channel, logged.requester_type) == (RECEIVED, "post", "media")
    assert [p.text for p in logged.parts] == ["How many police horses are there?"]
    assert [e.actor for e in logged.audit if e.action == "new request"][0] == "officer.walk"


def test_the_letters_issued_are_listed_and_downloaded(browser, desk: LiveServer) -> None:  # type: ignore[no-untyped-def]
    from axe_playwright_python.sync_playwright import Axe

    reference = "01.FOI.24.000998"
    with Register(desk.db, migrate=False) as register:  # type: ignore[attr-defined]
        _received(register, reference)
    context = browser.new_context(base_url=desk.url, accept_downloads=True)
    page = context.new_page()
    try:
        _sign_in(page, desk, "officer.walk")
        page.goto(f"/workspace/requests/{reference}")
        expect(page.get_by_text("No letter has been issued for this request.")).to_be_visible()
        scope = page.locator("#step-letter")
        scope.locator("summary").click()
        scope.get_by_label("Kind of letter", exact=True).select_option("Acknowledgement")
        scope.get_by_role("button", name="Issue a letter").click()
        expect(page.get_by_role("heading", name="Done")).to_be_visible(timeout=60_000)
        page.get_by_role("link", name="See the letters issued").click()
        row = page.locator("#letters tbody tr")
        expect(row).to_have_count(1)
        expect(row.locator("th")).to_have_text("Acknowledgement")
        expect(row.locator("td").nth(1)).to_have_text("officer.walk")
        with page.expect_download() as download:
            row.get_by_role("link", name="PDF of the acknowledgement", exact=False).click()
        assert download.value.suggested_filename == f"acknowledgement-{TODAY.isoformat()}.pdf"
        with open(download.value.path(), "rb") as pdf:
            assert pdf.read(5) == b"%PDF-"
        results = Axe().run(page)
        assert results.violations_count == 0, results.generate_report()
    finally:
        context.close()
