"""The requester, for officers only: contact, other requests and repeats; never public."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from foidesk.cli import app
from foidesk.foi.register import Register

QUESTION = "How many spit hoods were used by officers in 2023?"


def _log(db: str) -> None:
    with Register(db, migrate=False) as register:
        for reference, day, text in (
            ("01.FOI.24.000801", 4, QUESTION),
            ("01.FOI.24.000802", 11, "Please send your use of force policy."),
            ("01.FOI.24.000803", 18, QUESTION),
        ):
            register.new_request(
                reference, date(2024, 3, day), text, [text], "email", "sam@example.org",
                "olly", title=text[:40], subject="Use of force",
            )  # fmt: skip
        register.new_request(
            "01.FOI.24.000804", date(2024, 3, 19), "Anything.", ["Anything."], "email",
            "someone.else@example.org", "olly",
        )  # fmt: skip


def test_officers_see_whom_to_reply_to_and_what_else_they_asked(
    client_as: Callable[..., TestClient], web_db: str
) -> None:
    _log(web_db)
    officer = client_as("officer.one", "officer")
    case = officer.get("/workspace/requests/01.FOI.24.000803")
    assert 'href="/workspace/requests/01.FOI.24.000803/requester"' in case.text
    # The request's own page, where decisions are made, does not show who asked.
    assert "sam@example.org" not in case.text
    page = officer.get("/workspace/requests/01.FOI.24.000803/requester")
    assert page.status_code == 200
    assert '<dd class="govuk-summary-list__value" id="contact">sam@example.org</dd>' in page.text
    assert "01.FOI.24.000801" in page.text and "01.FOI.24.000802" in page.text
    assert "01.FOI.24.000804" not in page.text
    assert "identical to 01.FOI.24.000801" in page.text
    analyst = client_as("analyst.one", "analyst")
    assert analyst.get("/workspace/requests/01.FOI.24.000803/requester").status_code == 403
    public = TestClient(officer.app)
    public.cookies.clear()
    anonymous = public.get("/workspace/requests/01.FOI.24.000803/requester", follow_redirects=False)
    assert anonymous.status_code in (303, 307, 401)
    assert "sam@example.org" not in anonymous.text


def test_request_show_gives_the_requester_only_when_asked(web_db: str) -> None:
    _log(web_db)
    runner = CliRunner()
    plain = runner.invoke(app, ["request", "show", "01.FOI.24.000803", "--db", web_db])
    assert plain.exit_code == 0, plain.output
    assert "sam@example.org" not in plain.output
    shown = runner.invoke(
        app, ["request", "show", "01.FOI.24.000803", "--requester", "--db", web_db]
    )
    assert "requester (private): sam@example.org" in shown.output
    assert "  also asked: 01.FOI.24.000802 (2024-03-11, received)" in shown.output
    assert "  also asked: 01.FOI.24.000801 (2024-03-04, received)" in shown.output
