"""Correspondence by email through a real SMTP server (aiosmtpd, started in the test)."""

from __future__ import annotations

import email
import email.utils
import socket
from collections.abc import Iterator
from datetime import date
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pymupdf
import pytest
from aiosmtpd.controller import Controller
from typer.testing import CliRunner

from foidesk.cli import app
from foidesk.db import open_session, upgrade
from foidesk.foi import correspondence, letter_kinds
from foidesk.foi.accounts import add_user, issue_token
from foidesk.foi.letters import render_letter, write_pdf
from foidesk.foi.register import Actor, Register
from foidesk.settings import Authority, Contact, Mail, Settings, Signatory

REFERENCE = "01.FOI.24.000901"
REQUESTER = "sam.requester@example.org"
SENDER = "foi@force.example"


class Inbox:
    """An aiosmtpd handler keeping every message it is given."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(
            email.message_from_bytes(envelope.original_content, policy=policy.default)
        )
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _settings(port: int) -> Settings:
    mail = Mail(host="127.0.0.1", port=port, security="none", sender="foi@force.example")
    # Letters need the address for internal reviews and a named signatory.
    authority = Authority(
        name="Northshire Police",
        contact=Contact(postal_address=["Police HQ", "Northtown NT1 1AA"], email=SENDER),
        signatory=Signatory(name="Alex Morgan", role="Information Manager"),
    )
    return Settings(authority=authority, mail=mail)


def _pdf_text(part: EmailMessage) -> str:
    """An attached PDF's text as PyMuPDF reads it, spacing collapsed."""
    with pymupdf.open(stream=part.get_content(), filetype="pdf") as pdf:
        return " ".join(" ".join(page.get_text() for page in pdf).split())


def _eml(tmp_path: Path, name: str, subject: str, body: str, reply_to: str = "") -> Path:
    message = EmailMessage()
    message["From"] = f"Sam Requester <{REQUESTER}>"
    message["To"] = "foi@force.example"
    message["Subject"] = subject
    message["Date"] = email.utils.format_datetime(email.utils.localtime())
    message["Message-ID"] = email.utils.make_msgid(domain="example.org")
    if reply_to:
        message["In-Reply-To"] = reply_to
        message["References"] = reply_to
    message.set_content(body)
    path = tmp_path / name
    path.write_bytes(bytes(message))
    return path


def test_a_request_by_email_from_arrival_to_internal_review(
    smtp: tuple[Inbox, int], tmp_path: Path
) -> None:
    inbox, port = smtp
    settings = _settings(port)
    with Register(tmp_path / "register.sqlite", settings=settings, migrate=True) as register:
        # It arrives by email and is logged as a new request.
        first = _eml(tmp_path, "1.eml", "Spit hoods", "How many spit hoods were used in 2023?")
        assert correspondence.import_email(register, first, "olly", reference=REFERENCE) == (
            REFERENCE,
            "logged as a new request",
        )
        request = register.get(REFERENCE)
        assert (request.requester_contact, request.title) == (REQUESTER, "Spit hoods")
        letters = tmp_path / "letters"
        # Acknowledged by email: the acknowledgement letter, with the due date.
        due = register.deadline(REFERENCE).due
        acknowledgement = letter_kinds.issue(
            register, REFERENCE, "acknowledgement", letters, "olly"
        )
        assert correspondence.send_letter(register, acknowledgement).status == "sent"
        assert register.get(REFERENCE).acknowledged_on == date.today()
        # Clarified: the clarification letter goes out, the reply is filed as the answer.
        register.clarify(REFERENCE, date.today(), "Do you mean calendar 2023?", "olly")
        clarification = letter_kinds.issue(register, REFERENCE, "clarification", letters, "olly")
        question = correspondence.send_letter(register, clarification)
        reply = _eml(
            tmp_path, "2.eml", "Re: Spit hoods", "Yes, calendar 2023.", question.message_id
        )
        assert correspondence.import_email(register, reply, "olly") == (
            REFERENCE,
            "filed as the answer to the clarification",
        )
        assert register.get(REFERENCE).clarifications[0].answer == "Yes, calendar 2023."
        # The response cannot go before a reviewer approves it.
        register.decide(REFERENCE, 1, "disclosed", [], "olly", summary="12 uses of spit hoods.")
        letter = write_pdf(render_letter(register, REFERENCE), tmp_path / "response.pdf")
        with pytest.raises(correspondence.CorrespondenceError, match="not been approved"):
            correspondence.send(
                register, REFERENCE, "response", "Response", "See attached.", attachments=[letter]
            )
        register.submit_for_approval(REFERENCE, "olly")
        register.approve(
            REFERENCE, Actor("rita", "reviewer"), fingerprint=register.fingerprint(REFERENCE)
        )
        register.respond(REFERENCE, date.today(), [], "olly")
        letter = write_pdf(render_letter(register, REFERENCE), tmp_path / "response.pdf")
        response = correspondence.send(
            register, REFERENCE, "response", f"Response to {REFERENCE}",
            "Our response is attached.", attachments=[letter],
        )  # fmt: skip
        assert response.status == "sent"
        # The requester asks for an internal review by replying.
        review = _eml(tmp_path, "3.eml", "Re: Response", "Please review this.", response.message_id)
        assert correspondence.import_email(register, review, "olly")[1] == (
            "filed as a request for internal review"
        )
        assert register.get(REFERENCE).reviews[0].requested_on == date.today()
        # The review's outcome goes out as its letter.
        register.decide_review(
            REFERENCE, date.today(), "The figure was right.", Actor("rita", "reviewer"),
            result="upheld",
        )  # fmt: skip
        outcome = letter_kinds.issue(register, REFERENCE, "review-outcome", letters, "olly")
        assert correspondence.send_letter(register, outcome).status == "sent"
        kept = [(m.direction, m.kind, m.status) for m in correspondence.thread(register, REFERENCE)]
        issued = [x.kind for x in register.get(REFERENCE).letters]
    assert issued == ["acknowledgement", "clarification", "review-outcome"]
    assert kept == [
        ("in", "request", "received"),
        ("out", "acknowledgement", "sent"),
        ("out", "clarification", "sent"),
        ("in", "clarification answer", "received"),
        ("out", "response", "sent"),
        ("in", "internal review request", "received"),
        ("out", "review-outcome", "sent"),
    ]
    # What the SMTP server received, read back: addressed, threaded, each letter attached.
    assert [m["To"] for m in inbox.messages] == [REQUESTER] * 4
    acknowledged, clarifying, final, reviewed = inbox.messages
    assert acknowledged["Subject"] == f"Your request {REFERENCE}: acknowledgement"
    assert f"We will respond by {due.day} {due:%B %Y}." in " ".join(
        acknowledged.get_body().get_content().split()
    )
    # Each message answers the one before it, starting from the requester's own email.
    original = BytesParser(policy=policy.default).parse(first.open("rb"))["Message-ID"]
    assert acknowledged["In-Reply-To"] == original
    assert clarifying["In-Reply-To"] == acknowledged["Message-ID"]
    assert final["References"].split()[:3] == [
        original,
        acknowledged["Message-ID"],
        clarifying["Message-ID"],
    ]
    # Every attachment is the letter itself, read back from the PDF the server received.
    names = [[a.get_filename() for a in m.iter_attachments()] for m in inbox.messages]
    today = date.today().isoformat()
    assert names == [
        [f"acknowledgement-{today}.pdf"],
        [f"clarification-{today}.pdf"],
        ["response.pdf"],
        [f"review-outcome-{today}.pdf"],
    ]
    (attached,) = acknowledged.iter_attachments()
    assert f"We will respond by {due.day} {due:%B %Y}." in _pdf_text(attached)
    (attached,) = clarifying.iter_attachments()
    assert "Do you mean calendar 2023?" in _pdf_text(attached)
    assert "Do you mean calendar 2023?" in clarifying.get_body().get_content()
    (attached,) = final.iter_attachments()
    assert "12 uses of spit hoods." in _pdf_text(attached)
    (attached,) = reviewed.iter_attachments()
    assert "The review has upheld the original response." in _pdf_text(attached)
    assert "Alex Morgan Information Manager" in _pdf_text(attached)


def test_a_failed_send_is_kept_and_sent_on_retry(smtp: tuple[Inbox, int], tmp_path: Path) -> None:
    inbox, port = smtp
    down = _settings(_free_port())  # nothing listens there
    with Register(tmp_path / "register.sqlite", settings=down, migrate=True) as register:
        register.new_request(
            REFERENCE, date.today(), "Figures.", ["Figures."], "email", REQUESTER, "olly"
        )
        letter = letter_kinds.issue(
            register, REFERENCE, "acknowledgement", tmp_path / "letters", "olly"
        )
        failed = correspondence.send_letter(register, letter)
        assert (failed.status, failed.attempts) == ("failed", 3)
        assert "ConnectionRefusedError" in failed.error
        (row,) = correspondence.thread(register, REFERENCE)
        assert (row.status, row.attempts) == ("failed", 3)
        assert inbox.messages == []
        again = correspondence.retry(register, _settings(port))
        assert [(r.message_id, r.status) for r in again] == [(failed.message_id, "sent")]
        assert correspondence.thread(register, REFERENCE)[0].status == "sent"
    assert inbox.messages[0]["Message-ID"] == failed.message_id
    # Sent again with the letter it carried the first time.
    (attached,) = inbox.messages[0].iter_attachments()
    assert attached.get_filename() == letter.pdf.name
    assert "Alex Morgan Information Manager" in _pdf_text(attached)


def test_import_email_from_the_command_line(tmp_path: Path) -> None:
    db = str(tmp_path / "register.sqlite")
    message = _eml(tmp_path, "new.eml", "Police dogs", "How many police dogs do you have?")
    upgrade(db)
    with open_session(db) as session:
        add_user(session, "olly", ["officer"], "a long enough passphrase")
        token = issue_token(session, "olly", "a long enough passphrase")
    runner = CliRunner(env={"FOIDESK_TOKEN": token})
    refused = runner.invoke(app, ["request", "import-email", str(message), "--db", db])
    assert refused.exit_code == 2
    assert "give --reference to log it as a new request" in refused.output
    logged = runner.invoke(
        app,
        ["request", "import-email", str(message), "--reference", REFERENCE, "--db", db],
    )  # fmt: skip
    assert logged.exit_code == 0, logged.output
    assert logged.output.strip() == f"{REFERENCE}: logged as a new request"
    again = runner.invoke(
        app,
        ["request", "import-email", str(message), "--reference", "01.FOI.24.000902",
         "--db", db],
    )  # fmt: skip
    assert again.exit_code == 2 and "already in the register" in again.output
