"""Correspondence with the requester by email: letters out, replies in, every message kept.

Out: a message is written to the register (``foi_messages``) before it is handed to the
SMTP server the settings name, so a failed send is recorded with its error, shown and
retried, never lost. Each message has its own Message-ID, and replies carry In-Reply-To
and References, so the requester's mail client threads the exchange. Nothing is sent that
the request's state does not allow: a response only once a reviewer has approved it.

Letters (``foi.letter_kinds``) go by ``send_letter``: the letter's PDF attached and its
text as the body, under the subject its kind gives.

In: ``import_email`` reads a message (an ``.eml`` file). A reply to one of ours, found by
its In-Reply-To or References, is filed on its request: as the clarification answer while
one is open, as a request for internal review once the response has gone, otherwise kept
as correspondence. Any other message is logged as a new request (sender as contact,
subject as title, body as text).

The requester's address is used here and nowhere public.
"""

from __future__ import annotations

import email.utils
import mimetypes
import os
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from foidesk.foi.letter_kinds import IssuedLetter
from foidesk.foi.models import Message, Request
from foidesk.foi.register import ActorLike, Register
from foidesk.settings import Mail, Settings

# Kinds of message a desk sends, and what must be true of the request first.
NEEDS_APPROVAL = {"response"}


class CorrespondenceError(ValueError):
    """A message that cannot be sent or filed; the message says why."""


@dataclass(frozen=True)
class Sent:
    """What became of one outgoing message."""

    message_id: str
    status: str  # "sent" or "failed"
    attempts: int
    error: str = ""


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _sessions(register: Register) -> sessionmaker[Session]:
    return sessionmaker(register.engine, expire_on_commit=False)


def _request(session: Session, reference: str) -> Request:
    found = session.scalars(select(Request).where(Request.reference == reference)).one_or_none()
    if found is None:
        raise CorrespondenceError(f"no request {reference!r} in the register")
    return found


def _address(contact: str) -> str:
    address = email.utils.parseaddr(contact)[1]
    if "@" not in address:
        raise CorrespondenceError(f"the requester's contact {contact!r} is not an email address")
    return address


def thread(register: Register, reference: str) -> list[Message]:
    """Every message to and from the requester about ``reference``, oldest first."""
    with _sessions(register)() as session:
        request = _request(session, reference)
        return list(
            session.scalars(
                select(Message).where(Message.request_id == request.id).order_by(Message.id)
            )
        )


def send(
    register: Register,
    reference: str,
    kind: str,
    subject: str,
    body: str,
    *,
    attachments: Sequence[Path] = (),
    settings: Settings | None = None,
) -> Sent:
    """Write a message to the requester into the register, then send it."""
    settings = settings or register.settings
    mail = settings.mail
    if not mail.host:
        raise CorrespondenceError("no SMTP server in the settings (mail.host): nothing sent")
    request = register.get(reference)
    if kind in NEEDS_APPROVAL and not (request.approved_by or request.responded_on):
        raise CorrespondenceError(
            f"{reference} has not been approved by a reviewer: its {kind} cannot be sent"
        )
    to = _address(request.requester_contact)
    earlier = thread(register, reference)
    domain = mail.sender.rpartition("@")[2] or "localhost"
    message = EmailMessage()
    message["From"] = mail.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = email.utils.formatdate(localtime=False)
    message["Message-ID"] = email.utils.make_msgid(domain=domain)
    if earlier:
        message["In-Reply-To"] = earlier[-1].message_id
        message["References"] = " ".join(m.message_id for m in earlier)
    message.set_content(body)
    _attach(message, [Path(p) for p in attachments])
    # Where each attachment is, so that a retry sends it again.
    names = [str(Path(p).resolve()) for p in attachments]
    with _sessions(register)() as session, session.begin():
        row = Message(
            request_id=_request(session, reference).id,
            direction="out",
            kind=kind,
            message_id=message["Message-ID"],
            in_reply_to=message.get("In-Reply-To", ""),
            subject=subject,
            body=body,
            attachments=names,
            status="queued",
            attempts=0,
            last_error="",
            at=_now(),
        )
        session.add(row)
    return _attempt(register, message, mail)


def _attach(message: EmailMessage, paths: Sequence[Path]) -> None:
    for path in paths:
        kind, _ = mimetypes.guess_type(path.name)
        maintype, subtype = (kind or "application/octet-stream").split("/", 1)
        message.add_attachment(
            path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name
        )


def send_letter(
    register: Register, letter: IssuedLetter, *, settings: Settings | None = None
) -> Sent:
    """Send an issued letter: its PDF attached, its text as the body, its kind's subject."""
    return send(
        register,
        letter.reference,
        letter.kind,
        letter.subject,
        letter.text,
        attachments=[letter.pdf],
        settings=settings,
    )


def _attempt(register: Register, message: EmailMessage, mail: Mail) -> Sent:
    """Hand ``message`` to the SMTP server, up to the settings' attempts; record the end."""
    error = ""
    attempts = 0
    for _ in range(mail.attempts):
        attempts += 1
        try:
            _deliver(message, mail)
            error = ""
            break
        except (OSError, smtplib.SMTPException) as exc:
            error = f"{type(exc).__name__}: {exc}"
    status = "failed" if error else "sent"
    with _sessions(register)() as session, session.begin():
        row = session.scalars(
            select(Message).where(Message.message_id == message["Message-ID"])
        ).one()
        row.status = status
        row.attempts += attempts
        row.last_error = error
        row.at = _now()
    return Sent(message["Message-ID"], status, attempts, error)


def _deliver(message: EmailMessage, mail: Mail) -> None:
    password = os.environ.get(mail.password_env, "") if mail.password_env else ""
    if mail.security == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            mail.host, mail.port, timeout=30, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(mail.host, mail.port, timeout=30)
    with client:
        if mail.security == "starttls":
            client.starttls(context=ssl.create_default_context())
        if mail.username:
            client.login(mail.username, password)
        client.send_message(message)


def retry(register: Register, settings: Settings | None = None) -> list[Sent]:
    """Send again every outgoing message that failed or never left (oldest first)."""
    mail = (settings or register.settings).mail
    with _sessions(register)() as session:
        waiting = session.scalars(
            select(Message)
            .where(Message.direction == "out", Message.status.in_(("failed", "queued")))
            .order_by(Message.id)
        )
        rows = [(m, session.get(Request, m.request_id).requester_contact) for m in waiting]
    results = []
    for row, contact in rows:
        message = EmailMessage()
        message["From"] = mail.sender
        message["To"] = _address(contact)
        message["Subject"] = row.subject
        message["Date"] = email.utils.formatdate(localtime=False)
        message["Message-ID"] = row.message_id
        if row.in_reply_to:
            message["In-Reply-To"] = row.in_reply_to
        message.set_content(row.body)
        missing = [name for name in row.attachments if not Path(name).is_file()]
        if missing:
            # Sent without its attachment it would say something it does not carry.
            raise CorrespondenceError(
                f"message {row.message_id}: attachment {', '.join(missing)} is gone; "
                "issue the letter again"
            )
        _attach(message, [Path(name) for name in row.attachments])
        results.append(_attempt(register, message, mail))
    return results


def import_email(
    register: Register,
    path: Path,
    actor: ActorLike,
    *,
    reference: str | None = None,
) -> tuple[str, str]:
    """File a message on its request, or log it as a new request; (reference, what was done).

    ``reference`` names a new request; a reply finds its request by its headers.
    """
    path = Path(path)
    parsed = BytesParser(policy=policy.default).parse(path.open("rb"))
    sender = email.utils.parseaddr(str(parsed.get("From", "")))[1]
    if "@" not in sender:
        raise CorrespondenceError(f"{path}: the message has no sender address (From)")
    subject = str(parsed.get("Subject", "")).strip()
    part = parsed.get_body(preferencelist=("plain",))
    text = part.get_content().strip() if part is not None else ""
    if not text:
        raise CorrespondenceError(f"{path}: the message has no plain-text body")
    sent = parsed.get("Date")
    day = parsed["Date"].datetime.date() if sent and parsed["Date"].datetime else date.today()
    day = min(day, register.today())
    message_id = str(parsed.get("Message-ID") or email.utils.make_msgid()).strip()
    replied = " ".join(str(parsed.get(h, "")) for h in ("In-Reply-To", "References")).split()
    with _sessions(register)() as session:
        if session.scalars(select(Message).where(Message.message_id == message_id)).first():
            raise CorrespondenceError(f"{path}: message {message_id} is already in the register")
        ours = session.scalars(
            select(Message).where(Message.message_id.in_(replied), Message.direction == "out")
        ).first()
        found = session.get(Request, ours.request_id).reference if ours else None
    if found is None:
        if not reference:
            raise CorrespondenceError(
                f"{path}: not a reply to one of our messages; give --reference to log it as "
                "a new request"
            )
        register.new_request(reference, day, text, [text], "email", sender, actor, title=subject)
        found, what, kind = reference, "logged as a new request", "request"
    else:
        request = register.get(found)
        if any(c.answered_on is None for c in request.clarifications):
            register.answer_clarification(found, day, text, actor)
            what, kind = "filed as the answer to the clarification", "clarification answer"
        elif request.responded_on is not None and not any(
            r.decided_on is None for r in request.reviews
        ):
            register.internal_review(found, day, actor)
            what, kind = "filed as a request for internal review", "internal review request"
        else:
            what, kind = "kept as correspondence", "correspondence"
    with _sessions(register)() as session, session.begin():
        session.add(
            Message(
                request_id=_request(session, found).id,
                direction="in",
                kind=kind,
                message_id=message_id,
                in_reply_to=str(parsed.get("In-Reply-To", "") or ""),
                subject=subject,
                body=text,
                attachments=[],
                status="received",
                attempts=0,
                last_error="",
                at=_now(),
            )
        )
    return found, what
