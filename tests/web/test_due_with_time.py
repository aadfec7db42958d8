"""The workspace and the command line show what time has brought due: a fee to lapse, an
ICO decision notice's compliance overdue and its appeal date, aggregation suggestions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from html import unescape

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from foidesk.cli import app as cli
from foidesk.db import open_session
from foidesk.foi.accounts import add_user, issue_token
from foidesk.foi.register import Actor, Register

TODAY = date.today()
OFFICER = Actor("officer.setup", "officer")
REVIEWER = Actor("reviewer.setup", "reviewer")
UNPAID, NOTICE = "01.FOI.24.000801", "01.FOI.24.000802"


def _desk(db: str) -> None:
    """A fee unpaid for four months, and a decision notice of 40 days ago not complied with."""
    long_ago = TODAY - timedelta(days=125)
    with Register(db, migrate=False) as register:
        register.new_request(UNPAID, long_ago, "Horses.", [], "email", "", OFFICER)
        register.fee_notice(UNPAID, long_ago, 25, OFFICER)
        register.new_request(NOTICE, long_ago, "Dogs.", [], "email", "", OFFICER)
        register.decide(NOTICE, 1, "disclosed", [], OFFICER, summary="40.")
        register.submit_for_approval(NOTICE, OFFICER)
        register.approve(NOTICE, REVIEWER, fingerprint=register.fingerprint(NOTICE))
        register.respond(NOTICE, long_ago + timedelta(days=10), [], OFFICER)
        register.ico_appeal(NOTICE, long_ago + timedelta(days=20), OFFICER, ico_reference="IC-7")
        register.ico_decision(NOTICE, TODAY - timedelta(days=40), "Disclose the names.", OFFICER)


def test_the_register_and_request_pages_show_what_is_due(
    client_as: Callable[..., TestClient], web_db: str
) -> None:
    _desk(web_db)
    officer = client_as("officer.one", "officer")
    listing = officer.get("/workspace").text
    assert f"{UNPAID}</a>: fee lapsed due since" in listing
    assert f"{NOTICE}</a>: ICO decision notice of" in listing
    assert "Compliance overdue" in listing
    page = officer.get(f"/workspace/requests/{NOTICE}").text
    comply_by = TODAY - timedelta(days=5)
    assert "ICO decision notice IC-7" in page
    assert f"overdue: due by {comply_by}" in page
    assert f"not appealed by {TODAY - timedelta(days=12)}" in page
    unpaid = officer.get(f"/workspace/requests/{UNPAID}").text
    assert "Due since" in unpaid and "Fee lapsed" in unpaid
    # Taking the step from the page closes the request.
    csrf = unescape(unpaid.split('name="csrf_token" value="')[1].split('"')[0])
    taken = officer.post(f"/workspace/requests/{UNPAID}/lapse", data={"csrf_token": csrf})
    assert taken.status_code == 200, taken.text
    assert "the request lapsed (s9(2))" in taken.text
    with Register(web_db, migrate=False) as register:
        assert register.status(UNPAID) == "lapsed"
    assert f"{UNPAID}</a>: fee lapsed" not in officer.get("/workspace").text


def test_the_command_line_shows_what_is_due(web_db: str) -> None:
    _desk(web_db)
    with open_session(web_db) as session:
        add_user(session, "olly", ["officer"], "a long enough passphrase")
        token = issue_token(session, "olly", "a long enough passphrase")
    runner = CliRunner()
    due = runner.invoke(cli, ["request", "due", "--db", web_db])
    assert due.exit_code == 0, due.output
    assert due.output.startswith(f"{UNPAID}\tlapse\tdue since ")
    shown = runner.invoke(cli, ["request", "show", NOTICE, "--db", web_db])
    assert (
        f"ICO decision notice IC-7 of {TODAY - timedelta(days=40)}: compliance overdue: due by "
        f"{TODAY - timedelta(days=5)}; Tribunal appeal not appealed by "
        f"{TODAY - timedelta(days=12)}"
    ) in shown.output
    lapsed = runner.invoke(
        cli, ["request", "lapse", UNPAID, "--db", web_db], env={"FOIDESK_TOKEN": token}
    )
    assert lapsed.exit_code == 0, lapsed.output
    assert lapsed.output.strip() == f"{UNPAID}: lapsed, clock stopped"
    paid = runner.invoke(
        cli,
        ["request", "fee-paid", UNPAID, "--paid", str(TODAY), "--db", web_db],
        env={"FOIDESK_TOKEN": token},
    )
    assert paid.exit_code == 3
    assert "'lapsed': 'fee paid' cannot happen now" in paid.output
    assert runner.invoke(cli, ["request", "due", "--db", web_db]).output == "nothing due\n"
