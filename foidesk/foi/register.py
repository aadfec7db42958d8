"""The FOI register: the Python API over requests and everything that happens to them.

``Register(db)`` opens a SQLite file or a PostgreSQL URL whose schema is current (else it
says to run ``foidesk db upgrade``; ``migrate=True`` migrates it first), or works over an
engine the caller holds (``engine=``, as the web app does). Each method is
one step of handling a request; impossible steps are refused with a ``TransitionError``
that says what is missing. Every step runs in one frame (``Register._step``): it opens the
transaction, checks the workflow allows the step, and after the step's own checks and
changes records the event in the audit trail (actor, role, old and new values), claims the
request's version and sets its status. Objects returned are detached snapshots with their
children loaded: read them, and change the register only through its methods.

The requester's contact is private: ``public_view`` is what the disclosure log may use.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from foidesk.db import check_schema, make_engine, upgrade
from foidesk.foi import clock, letter_kinds, workflow
from foidesk.foi.costs import LIMITS, CostEstimate, CostItem, as_figure
from foidesk.foi.exemptions import (
    DECISIONS,
    decision_problems,
    exemption_problems,
    lookup,
    s17_problems,
)
from foidesk.foi.models import (
    Aggregation,
    AppliedExemption,
    AuditEntry,
    Clarification,
    CostLine,
    Extension,
    FeeNotice,
    IcoAppeal,
    InternalReview,
    Letter,
    Part,
    PersonalDataReview,
    Request,
)
from foidesk.settings import Settings, load_settings

ROLES = workflow.ROLES
STATUSES = workflow.STATUSES
derive_status = workflow.derive_status
CHANNELS: tuple[str, ...] = ("email", "web form", "post", "whatdotheyknow", "other")
# Who asked, as the s45 statistics count them; recorded at logging, read by officers only.
REQUESTER_TYPES: tuple[str, ...] = (
    "individual",
    "media",
    "business",
    "campaign group",
    "solicitor",
    "other",
)
# Regulation 5(2): requests aggregated must arrive within 60 consecutive working days.
AGGREGATION_WORKING_DAYS = 60
DECISION_NOTICE_COMPLIANCE_DAYS = clock.DECISION_NOTICE_COMPLIANCE_DAYS
# What an internal review can find of the response; its outcome letter says which.
REVIEW_RESULTS: tuple[str, ...] = ("upheld", "partly upheld", "overturned")


class TransitionError(ValueError):
    """A step that cannot happen now; the message says what is missing."""


class RequestNotFound(LookupError):
    """No request with that reference is in the register."""


class PartNotFound(LookupError):
    """The request has no part with that number: bad input, not a step the workflow refuses."""


@dataclass(frozen=True)
class Actor:
    """Who is acting: a user name and a role (the web layer authenticates them)."""

    name: str
    role: str = "officer"

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("an actor needs a name")
        if self.role not in ROLES:
            raise ValueError(f"role {self.role!r} is not one of {', '.join(ROLES)}")

    @property
    def roles(self) -> frozenset[str]:
        """The role acted in, as the workflow asks of any person acting."""
        return frozenset({self.role})


ActorLike = Actor | str


def as_actor(actor: ActorLike) -> Actor:
    """A plain user name acts as an officer."""
    return actor if isinstance(actor, Actor) else Actor(actor)


@dataclass(frozen=True)
class Exemption:
    """An exemption as applied to a part, with the reasoning a refusal notice needs.

    ``absolute`` defaults to the catalogue's type; set it only where the section has
    limbs of both kinds (s40). ``earlier_reference`` and ``earlier_notice_on`` name the
    earlier request whose s14 refusal notice was given, when s17(6) spares another.
    """

    section: str
    subsection: str = ""
    applies_to: str = ""
    reason: str = ""
    harm: str = ""
    factors_for: Sequence[str] = field(default_factory=tuple)
    factors_against: Sequence[str] = field(default_factory=tuple)
    balance: str = ""
    absolute: bool | None = None
    earlier_reference: str = ""
    earlier_notice_on: date | None = None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Exemption:
        """From a mapping; a ``public_interest: {for, against, balance}`` block is accepted,
        and so is ``earlier_notice: {reference, given}`` (s17(6))."""
        pit = data.get("public_interest") or {}
        earlier = data.get("earlier_notice") or {}
        if not isinstance(earlier, Mapping):
            raise ValueError("earlier_notice: expected {reference, given}")
        given = earlier.get("given")
        if given is not None and not isinstance(given, date):
            try:
                given = date.fromisoformat(str(given))
            except ValueError:
                raise ValueError(
                    f"earlier_notice.given: {given!r} is not a date (YYYY-MM-DD)"
                ) from None
        return cls(
            section=str(data["section"]),
            subsection=str(data.get("subsection") or ""),
            applies_to=data.get("applies_to") or "",
            reason=(data.get("reason") or "").strip(),
            harm=(data.get("harm") or "").strip(),
            factors_for=tuple(data.get("factors_for") or pit.get("for") or ()),
            factors_against=tuple(data.get("factors_against") or pit.get("against") or ()),
            balance=(data.get("balance") or pit.get("balance") or "").strip(),
            absolute=data.get("absolute"),
            earlier_reference=str(earlier.get("reference") or "").strip(),
            earlier_notice_on=given,
        )


def _json(value: Any) -> Any:
    """Audit values as JSON: dates as ISO strings, decimals as text."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    return value


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class StepFrame:
    """A step being taken: the request it loaded, the session it runs in, and who acts."""

    register: Register
    session: Session
    request: Request
    who: Actor
    recorded: bool = False

    def record(self, action: str, changes: Mapping[str, tuple[Any, Any]] | None = None) -> None:
        """Write the step's event to the audit trail: each field's old and new value."""
        self.register._audit(self.session, self.request.reference, self.who, action, changes)
        self.recorded = True


_LOAD = (
    selectinload(Request.parts).selectinload(Part.exemptions),
    selectinload(Request.clarifications),
    selectinload(Request.fee_notices),
    selectinload(Request.extensions),
    selectinload(Request.cost_lines),
    selectinload(Request.reviews),
    selectinload(Request.appeals),
    selectinload(Request.aggregations),
    selectinload(Request.letters),
    selectinload(Request.audit),
)


class Register:
    """The FOI register in a SQLite file or PostgreSQL database.

    ``db`` must be at the current schema (``SchemaNotCurrent`` otherwise) unless
    ``migrate`` is set, which migrates it first. With ``engine`` the register works over
    that engine and leaves it open on ``close`` (its owner disposes of it); ``db`` is then
    only its name.
    """

    def __init__(
        self,
        db: str | Path,
        *,
        settings: Settings | None = None,
        reference_pattern: str | None = None,
        authority: str | None = None,
        today: Callable[[], date] = date.today,
        migrate: bool = False,
        engine: Engine | None = None,
    ) -> None:
        # The installation's settings name the authority and its reference pattern;
        # ``reference_pattern`` and ``authority`` (its type) override them.
        self.settings = settings or load_settings()
        authority = authority or self.settings.authority.type
        if authority not in LIMITS:
            raise ValueError(f"authority type must be one of {', '.join(LIMITS)}")
        if migrate:
            upgrade(db)
        self._owns_engine = engine is None
        self.engine = engine if engine is not None else make_engine(db)
        if self._owns_engine:
            try:
                check_schema(self.engine)
            except Exception:
                self.engine.dispose()
                raise
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # The session of the transaction() a thread is in, if any: its steps share it.
        self._open = threading.local()
        # ASCII: \d is 0-9 only, not the digits of other scripts.
        self.reference_pattern = (
            re.compile(reference_pattern, re.ASCII)
            if reference_pattern
            else self.settings.authority.reference_regex
        )
        self.authority = authority
        self.today = today

    def close(self) -> None:
        if self._owns_engine:
            self.engine.dispose()

    def __enter__(self) -> Register:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing ------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run several steps as one transaction: all of them are committed, or none is.

        Inside it every method shares one session; an exception rolls every step back,
        and so does a process killed part-way (the database never saw a commit).
        """
        if getattr(self._open, "session", None) is not None:
            yield
            return
        with self._sessions() as session, session.begin():
            self._open.session = session
            try:
                yield
            finally:
                self._open.session = None

    @contextmanager
    def _session(self) -> Iterator[Session]:
        shared = getattr(self._open, "session", None)
        if shared is not None:
            yield shared
            return
        try:
            with self._sessions() as session, session.begin():
                yield session
        except OperationalError as error:
            # SQLite refuses a second writer it cannot wait for; nothing was written.
            if "locked" in str(error):
                raise TransitionError(
                    "the register was busy with another change at the same moment: try again"
                ) from error
            raise

    def _load(self, session: Session, reference: str) -> Request:
        found = session.scalars(
            select(Request).where(Request.reference == reference).options(*_LOAD)
        ).one_or_none()
        if found is None:
            raise RequestNotFound(f"no request {reference!r} in the register")
        return found

    def _audit(
        self,
        session: Session,
        reference: str,
        actor: Actor,
        action: str,
        changes: Mapping[str, tuple[Any, Any]] | None = None,
    ) -> None:
        at = _now()
        for name, (old, new) in (changes or {"": (None, None)}).items():
            session.add(
                AuditEntry(
                    reference=reference,
                    at=at,
                    actor=actor.name,
                    role=actor.role,
                    action=action,
                    field=name,
                    old=_json(old),
                    new=_json(new),
                )
            )

    def _refresh_status(self, session: Session, request: Request, actor: Actor) -> None:
        session.flush()
        session.refresh(request)
        new = derive_status(request)
        if new != request.status:
            self._audit(
                session, request.reference, actor, "status", {"status": (request.status, new)}
            )
            request.status = new

    @contextmanager
    def _step(self, reference: str, step: str, actor: ActorLike) -> Iterator[StepFrame]:
        """The frame of every step on a request: the one place a step is begun and ended.

        It opens the transaction (or joins the ``transaction()`` the thread is in), loads
        the request and refuses the step when the workflow does not let ``actor`` take it
        now. The body checks its own facts, changes ``frame.request`` and records what
        changed with ``frame.record``; on leaving, the step withdraws an approval it
        invalidates, claims the request's version and sets its status.
        """
        who = as_actor(actor)
        with self._session() as session:
            request = self._load(session, reference)
            why = workflow.refusal(request, step, who.name, who.roles, self.timing())
            if why:
                raise TransitionError(why)
            frame = StepFrame(self, session, request, who)
            yield frame
            if not frame.recorded:
                # Every step leaves a line in the audit trail: a step without one is a bug.
                raise RuntimeError(f"the step {step!r} recorded nothing in the audit trail")
            if workflow.step(step).reopens:
                self._withdraw_approval(session, request, who, step)
            # Claim the version read at the start: if another step on this request committed
            # meanwhile, this one is refused rather than silently added to or overwriting it.
            claimed = session.execute(
                update(Request)
                .where(Request.id == request.id, Request.version == request.version)
                .values(version=request.version + 1)
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount != 1:
                raise TransitionError(
                    f"{reference} was changed by someone else at the same moment: look at it again"
                )
            self._refresh_status(session, request, who)

    def timing(self) -> workflow.Timing:
        """Today and the settings' periods, as the workflow's guards read them."""
        periods = self.settings.requests
        return workflow.Timing(
            self.today(),
            periods.clarification_reminder_after_months,
            periods.clarification_closes_after_months,
        )

    def _check_date(
        self, request: Request, day: date, what: str, *, after: date | None = None
    ) -> None:
        if day > self.today():
            raise TransitionError(f"{what} {day} is in the future")
        floor = after or request.received
        if day < floor:
            raise TransitionError(
                f"{what} {day} is before {floor} "
                f"({'receipt' if after is None else 'the step it follows'})"
            )

    def _get(self, reference: str) -> Request:
        with self._session() as session:
            return self._load(session, reference)

    # -- requests ------------------------------------------------------------------------

    def new_request(
        self,
        reference: str,
        received: date,
        text: str,
        parts: Sequence[str] | Sequence[Mapping[str, Any]],
        channel: str,
        requester_contact: str,
        actor: ActorLike,
        *,
        title: str = "",
        subject: str = "",
        receipt_rule: clock.ReceiptRule = "as-received",
        requester_type: str = "",
    ) -> Request:
        """Log a new request; ``parts`` are its questions, as text or ``{number, text}``.

        ``requester_type`` (one of ``REQUESTER_TYPES``, or "" if not known) is kept for the
        s45 statistics only.
        """
        who = as_actor(actor)
        if workflow.role_for("log", who.roles) is None:
            raise TransitionError(
                f"{who.name} holds the role {who.role}: logging a request needs "
                + " or ".join(workflow.step("log").roles)
            )
        if not self.reference_pattern.fullmatch(reference):
            raise ValueError(
                f"reference {reference!r} does not match the pattern "
                f"{self.reference_pattern.pattern}"
            )
        if received > self.today():
            raise TransitionError(f"received date {received} is in the future")
        if channel not in CHANNELS:
            raise ValueError(f"channel {channel!r} is not one of {', '.join(CHANNELS)}")
        if requester_type and requester_type not in REQUESTER_TYPES:
            raise ValueError(
                f"requester type {requester_type!r} is not one of {', '.join(REQUESTER_TYPES)}"
            )
        if receipt_rule not in clock.RECEIPT_RULES:
            raise ValueError(f"receipt rule must be one of {', '.join(clock.RECEIPT_RULES)}")
        if not text.strip():
            raise ValueError("a request needs its text")
        numbered: list[tuple[int, str]] = []
        for i, item in enumerate(parts or [text], start=1):
            if isinstance(item, Mapping):
                numbered.append((int(item.get("number", i)), str(item["text"]).strip()))
            else:
                numbered.append((i, str(item).strip()))
        numbers = [n for n, _ in numbered]
        if len(set(numbers)) != len(numbers):
            raise ValueError(f"part numbers repeat: {numbers}")
        request = Request(
            reference=reference,
            title=title,
            subject=subject,
            received=received,
            channel=channel,
            requester_contact=requester_contact,
            requester_type=requester_type,
            text=text.strip(),
            status="received",
            receipt_rule=receipt_rule,
            attachments=[],
            advice="",
            created_at=_now(),
            parts=[
                Part(number=n, text=t, summary="", not_held="", held_by="", tables=[])
                for n, t in numbered
            ],
        )
        try:
            with self._session() as session:
                session.add(request)
                session.flush()
                # The contact is private, so the trail notes that it was set, not its value.
                self._audit(
                    session,
                    reference,
                    who,
                    "new request",
                    {
                        "received": (None, received),
                        "channel": (None, channel),
                        "text": (None, request.text),
                        "parts": (None, [t for _, t in numbered]),
                        "requester_contact": (None, "(recorded)" if requester_contact else ""),
                        **({"requester_type": (None, requester_type)} if requester_type else {}),
                    },
                )
        except IntegrityError as error:
            raise TransitionError(f"request {reference} is already in the register") from error
        return self.get(reference)

    def delete_request(self, reference: str, actor: ActorLike, reason: str) -> None:
        """Remove a request logged in error; its audit trail is kept, ending with why."""
        who = as_actor(actor)
        if not reason.strip():
            raise ValueError("say why the request is deleted")
        with self._session() as session:
            request = self._load(session, reference)
            if request.responded_on is not None:
                raise TransitionError(f"{reference} was responded to: it cannot be deleted")
            session.delete(request)
            self._audit(session, reference, who, "deleted", {"reason": (None, reason.strip())})

    def get(self, reference: str) -> Request:
        """The request with its parts, exemptions and every event loaded."""
        return self._get(reference)

    def exists(self, reference: str) -> bool:
        with self._session() as session:
            return (
                session.scalar(select(Request.id).where(Request.reference == reference)) is not None
            )

    def list_requests(self, status: str | None = None) -> list[Request]:
        """Every request (newest received first), or only those at ``status``."""
        if status is not None and status not in STATUSES:
            raise ValueError(f"status {status!r} is not one of {', '.join(STATUSES)}")
        query = select(Request).options(*_LOAD).order_by(Request.received.desc(), Request.reference)
        if status is not None:
            query = query.where(Request.status == status)
        with self._session() as session:
            return list(session.scalars(query))

    def status(self, reference: str) -> str:
        return self._get(reference).status

    # -- acknowledgement, withdrawal, transfer ------------------------------------------------

    def acknowledge(self, reference: str, acknowledged_on: date, actor: ActorLike) -> Request:
        """Record that the requester was told the request arrived (s45 Code, para 1.9)."""
        with self._step(reference, "acknowledge", actor) as step:
            request = step.request
            self._check_date(request, acknowledged_on, "acknowledgement date")
            request.acknowledged_on = acknowledged_on
            step.record(
                "acknowledged",
                {"acknowledged_on": (None, acknowledged_on)},
            )
        return self.get(reference)

    def withdraw(
        self, reference: str, withdrawn_on: date, reason: str, actor: ActorLike
    ) -> Request:
        """The requester withdrew the request: it closes without a response."""
        if not reason.strip():
            raise ValueError("say how the requester withdrew it")
        with self._step(reference, "withdraw", actor) as step:
            request = step.request
            self._check_date(request, withdrawn_on, "withdrawal date")
            request.withdrawn_on = withdrawn_on
            request.withdrawal_reason = reason.strip()
            step.record(
                "withdrawn",
                {"withdrawn_on": (None, withdrawn_on), "reason": (None, reason.strip())},
            )
        return self.get(reference)

    def transfer(
        self, reference: str, transferred_on: date, authority: str, actor: ActorLike
    ) -> Request:
        """The information is held by another authority, to which the request was transferred."""
        if not authority.strip():
            raise ValueError("name the authority the request was transferred to")
        with self._step(reference, "transfer", actor) as step:
            request = step.request
            self._check_date(request, transferred_on, "transfer date")
            request.transferred_on = transferred_on
            request.transferred_to = authority.strip()
            step.record(
                "transferred",
                {"transferred_on": (None, transferred_on), "to": (None, authority.strip())},
            )
        return self.get(reference)

    # -- clarification and fees ------------------------------------------------------------

    def clarify(self, reference: str, sought_on: date, question: str, actor: ActorLike) -> Request:
        """Ask the requester to clarify (s1(3)); the clock waits for the answer."""
        with self._step(reference, "seek clarification", actor) as step:
            request = step.request
            self._check_date(request, sought_on, "clarification date")
            if not question.strip():
                raise ValueError("say what needs clarifying")
            request.clarifications.append(
                Clarification(sought_on=sought_on, question=question.strip(), answer="")
            )
            step.record(
                "clarification sought",
                {"sought_on": (None, sought_on), "question": (None, question.strip())},
            )
        return self.get(reference)

    def answer_clarification(
        self, reference: str, answered_on: date, answer: str, actor: ActorLike
    ) -> Request:
        """Record the requester's clarification: a new 20 working days starts from it."""
        with self._step(reference, "record the answer", actor) as step:
            request = step.request
            open_ = workflow.open_clarification(request)
            self._check_date(request, answered_on, "clarification answer", after=open_.sought_on)
            open_.answered_on = answered_on
            open_.answer = answer.strip()
            step.record(
                "clarification answered",
                {"answered_on": (None, answered_on), "answer": (None, answer.strip())},
            )
        return self.get(reference)

    def fee_notice(
        self, reference: str, issued_on: date, amount: Decimal | float, actor: ActorLike
    ) -> Request:
        """Issue a fees notice (s9): the clock stops until the fee is paid (s10(2))."""
        with self._step(reference, "fees notice", actor) as step:
            request = step.request
            self._check_date(request, issued_on, "fees notice date")
            if Decimal(str(amount)) <= 0:
                raise ValueError("a fees notice needs an amount above zero")
            request.fee_notices.append(FeeNotice(issued_on=issued_on, amount=Decimal(str(amount))))
            step.record(
                "fees notice",
                {"issued_on": (None, issued_on), "amount": (None, Decimal(str(amount)))},
            )
        return self.get(reference)

    def fee_paid(self, reference: str, paid_on: date, actor: ActorLike) -> Request:
        """Record payment of the outstanding fee; the clock restarts."""
        with self._step(reference, "fee paid", actor) as step:
            request = step.request
            unpaid = workflow.unpaid_fee(request)
            self._check_date(request, paid_on, "payment date", after=unpaid.issued_on)
            lapses = workflow.fee_lapses_on(unpaid)
            if paid_on >= lapses:
                raise TransitionError(
                    f"{reference}: the fees notice of {unpaid.issued_on} lapsed on {lapses}, "
                    f"three months after it was given (s9(2)); a payment on {paid_on} is too "
                    "late: record the lapse, and the requester may ask again"
                )
            unpaid.paid_on = paid_on
            step.record("fee paid", {"paid_on": (None, paid_on)})
        return self.get(reference)

    def lapse_fee(self, reference: str, actor: ActorLike) -> Request:
        """The fee was not paid within three months of the notice: the request lapses
        (s9(2)) and closes, its clock stopped; the lapse is dated as the law dates it."""
        with self._step(reference, "fee lapsed", actor) as step:
            unpaid = workflow.unpaid_fee(step.request)
            unpaid.lapsed_on = workflow.fee_lapses_on(unpaid)
            step.record(
                "fee lapsed",
                {"issued_on": (None, unpaid.issued_on), "lapsed_on": (None, unpaid.lapsed_on)},
            )
        return self.get(reference)

    def remind_clarification(self, reference: str, reminded_on: date, actor: ActorLike) -> Request:
        """The requester was reminded that the clarification is still awaited."""
        with self._step(reference, "clarification reminder", actor) as step:
            waiting = workflow.open_clarification(step.request)
            self._check_date(step.request, reminded_on, "reminder date", after=waiting.sought_on)
            waiting.reminded_on = reminded_on
            step.record("clarification reminder", {"reminded_on": (None, reminded_on)})
        return self.get(reference)

    def close_clarification(self, reference: str, closed_on: date, actor: ActorLike) -> Request:
        """Close a request whose clarification went unanswered after a reminder and the
        period the settings give; the clock stays stopped, the request is closed."""
        with self._step(reference, "close unanswered clarification", actor) as step:
            waiting = workflow.open_clarification(step.request)
            due = self.timing().closing_due(waiting)
            self._check_date(step.request, closed_on, "closing date", after=due)
            waiting.closed_on = closed_on
            step.record(
                "closed: clarification unanswered",
                {"sought_on": (None, waiting.sought_on), "closed_on": (None, closed_on)},
            )
        return self.get(reference)

    def due(self) -> list[workflow.Due]:
        """Every step time has brought due (fees to lapse, clarifications to remind of or
        close), the longest due first. Two queries, however many requests: the register
        page shows it."""
        timing = self.timing()
        with self._session() as session:
            fees = session.execute(
                select(Request.reference, FeeNotice)
                .join(FeeNotice, FeeNotice.request_id == Request.id)
                .where(
                    Request.status == "awaiting fee",
                    FeeNotice.paid_on.is_(None),
                    FeeNotice.lapsed_on.is_(None),
                )
            ).all()
            waiting = session.execute(
                select(Request.reference, Clarification)
                .join(Clarification, Clarification.request_id == Request.id)
                .where(
                    Request.status == "awaiting clarification",
                    Clarification.answered_on.is_(None),
                    Clarification.closed_on.is_(None),
                )
            ).all()
            found = [workflow.fee_due(r, notice, timing) for r, notice in fees] + [
                workflow.clarification_due(r, c, timing) for r, c in waiting
            ]
        return sorted((d for d in found if d is not None), key=lambda d: (d.since, d.reference))

    def decision_notices_to_comply(self) -> list[tuple[str, workflow.DecisionNotice]]:
        """ICO decision notices not yet complied with (nor settled by the Tribunal), by the
        date compliance is due: what the register page lists, overdue ones flagged."""
        with self._session() as session:
            rows = session.execute(
                select(Request.reference, IcoAppeal)
                .join(IcoAppeal, IcoAppeal.request_id == Request.id)
                .where(
                    IcoAppeal.decided_on.is_not(None),
                    IcoAppeal.complied_on.is_(None),
                    IcoAppeal.tribunal_decided_on.is_(None),
                )
            ).all()
            found = [(reference, workflow.decision_notice(appeal)) for reference, appeal in rows]
        return sorted(
            ((r, n) for r, n in found if n is not None), key=lambda item: item[1].comply_by
        )

    # -- regulation 5 ------------------------------------------------------------------------

    def aggregation_problems(self, reference: str, others: Sequence[str]) -> list[str]:
        """Why ``reference`` may not be aggregated with ``others`` (empty when it may)."""
        with self._session() as session:
            request = self._load(session, reference)
            return self._aggregation_problems(session, request, others)

    def _aggregation_problems(
        self, session: Session, request: Request, others: Sequence[str]
    ) -> list[str]:
        problems = []
        group = [request]
        linked = {a.other_reference for a in request.aggregations}
        for other in dict.fromkeys(others):
            if other == request.reference:
                problems.append(f"{other} cannot be aggregated with itself")
                continue
            try:
                found = self._load(session, other)
            except RequestNotFound:
                problems.append(f"no request {other!r} in the register")
                continue
            if found.status not in workflow.OPEN:
                problems.append(
                    f"{other} is '{found.status}': only requests not yet answered are aggregated"
                )
            if other in linked:
                problems.append(f"{request.reference} is already aggregated with {other}")
            group.append(found)
        for reference in linked:
            with contextlib.suppress(RequestNotFound):
                group.append(self._load(session, reference))
        span = aggregation_span(r.received for r in group)
        if span > AGGREGATION_WORKING_DAYS:
            first = min(group, key=lambda r: r.received)
            last = max(group, key=lambda r: r.received)
            problems.append(
                f"{first.reference} (received {first.received}) and {last.reference} "
                f"(received {last.received}) span {span} working days: regulation 5 "
                f"aggregates only requests received within {AGGREGATION_WORKING_DAYS} "
                "consecutive working days"
            )
        return problems

    def aggregate(
        self, reference: str, others: Sequence[str], reason: str, actor: ActorLike
    ) -> Request:
        """Aggregate requests for the s12 estimate under regulation 5: each is linked to the
        others, both ways, and each one's estimate is the sum of them all.

        ``reason`` says why the requests are for the same or similar information and come
        from one person or people who appear to act together (the officer's judgement;
        ``repeats.aggregation_candidates`` suggests them). Every request must still be
        unanswered and all must be received within 60 consecutive working days.
        """
        if not reason.strip():
            raise ValueError(
                "say why the requests are for the same or similar information and from one "
                "person or people acting together"
            )
        others = list(dict.fromkeys(o.strip() for o in others if o.strip()))
        if not others:
            raise ValueError("name at least one request to aggregate with")
        with self._step(reference, "aggregate (regulation 5)", actor) as step:
            request, session = step.request, step.session
            problems = self._aggregation_problems(session, request, others)
            if problems:
                raise TransitionError(f"{reference} cannot be aggregated: " + "; ".join(problems))
            today = self.today()
            for other_reference in others:
                other = self._load(session, other_reference)
                request.aggregations.append(
                    Aggregation(
                        other_reference=other_reference, linked_on=today, reason=reason.strip()
                    )
                )
                other.aggregations.append(
                    Aggregation(other_reference=reference, linked_on=today, reason=reason.strip())
                )
                # The other's estimate changed too: its submission and approval no longer stand.
                self._withdraw_approval(session, other, step.who, "aggregate (regulation 5)")
                self._audit(
                    session,
                    other_reference,
                    step.who,
                    "aggregated (regulation 5)",
                    {"with": (None, reference), "reason": (None, reason.strip())},
                )
                self._refresh_status(session, other, step.who)
            step.record(
                "aggregated (regulation 5)",
                {"with": (None, others), "reason": (None, reason.strip())},
            )
        return self.get(reference)

    def extend(
        self,
        reference: str,
        exemption: str,
        new_due: date,
        actor: ActorLike,
        *,
        notified_on: date | None = None,
        override: str = "",
        reason: str = "",
    ) -> Request:
        """A public interest extension (s10(3)) to consider a qualified exemption.

        ``reason`` is why more time is needed, which the s17(2) notice tells the requester.
        A new date on a non-working day, or more than 20 further working days after the
        statutory due date, needs ``override``: the reason it is right in this case.
        """
        entry = lookup(exemption)
        if entry.absolute:
            raise TransitionError(
                f"{entry.section} is absolute: there is no public interest test to extend time for"
            )
        with self._step(reference, "public interest extension", actor) as step:
            request = step.request
            notified = notified_on or self.today()
            self._check_date(request, notified, "extension notice date")
            current = self.deadline_for(request)
            if current.due is not None and new_due <= current.due:
                raise TransitionError(
                    f"extension to {new_due} is not after the current due date {current.due}"
                    " (to change an extension already recorded, correct it)"
                )
            if current.statutory_due is not None and notified > current.statutory_due:
                raise TransitionError(
                    f"the extension notice ({notified}) must be given by the due date "
                    f"{current.statutory_due} (s17(2))"
                )
            needs = _extension_override(new_due, current.statutory_due)
            if needs and not override.strip():
                raise TransitionError(f"extension to {new_due}: {needs}; give an override reason")
            old_due = current.due
            request.extensions.append(
                Extension(
                    exemption=exemption,
                    notified_on=notified,
                    new_due=new_due,
                    override_reason=override.strip() if needs else "",
                    reason=reason.strip(),
                )
            )
            changes: dict[str, tuple[Any, Any]] = {
                "due": (old_due, new_due),
                "exemption": (None, exemption),
            }
            if reason.strip():
                changes["reason"] = (None, reason.strip())
            if needs:
                changes["override"] = (None, f"{needs}: {override.strip()}")
            step.record("public interest extension", changes)
        return self.get(reference)

    # -- corrections ---------------------------------------------------------------------

    def correct_received(
        self, reference: str, received: date, reason: str, actor: ActorLike
    ) -> Request:
        """Correct a wrongly entered date of receipt; the trail keeps old, new and why."""
        if not reason.strip():
            raise ValueError("say why the date of receipt is corrected")
        with self._step(reference, "correct an entry", actor) as step:
            request = step.request
            if received > self.today():
                raise TransitionError(f"received date {received} is in the future")
            earliest = min(
                [c.sought_on for c in request.clarifications]
                + [f.issued_on for f in request.fee_notices]
                + [e.notified_on for e in request.extensions]
                + ([request.responded_on] if request.responded_on else []),
                default=None,
            )
            if earliest is not None and received > earliest:
                raise TransitionError(
                    f"received date {received} is after a step recorded on {earliest}"
                )
            old = request.received
            request.received = received
            step.record(
                "corrected",
                {"received": (old, received), "reason": (None, reason.strip())},
            )
        return self.get(reference)

    def correct_extension(
        self,
        reference: str,
        new_due: date,
        reason: str,
        actor: ActorLike,
        *,
        override: str = "",
    ) -> Request:
        """Correct the date of the latest extension (earlier or later), with the reason."""
        if not reason.strip():
            raise ValueError("say why the extension date is corrected")
        with self._step(reference, "correct an entry", actor) as step:
            request = step.request
            if not request.extensions:
                raise TransitionError(f"{reference} has no extension to correct")
            latest = request.extensions[-1]
            statutory = clock.due_date(
                request.received,
                clarified=_last_clarified(request),
                fee_pauses=_pauses(request),
                receipt_rule=request.receipt_rule,  # type: ignore[arg-type]
            ).statutory_due
            if statutory is not None and new_due <= statutory:
                raise TransitionError(
                    f"an extension to {new_due} is not after the statutory due date {statutory}"
                )
            needs = _extension_override(new_due, statutory)
            if needs and not override.strip():
                raise TransitionError(f"extension to {new_due}: {needs}; give an override reason")
            old = latest.new_due
            latest.new_due = new_due
            latest.override_reason = override.strip() if needs else ""
            changes: dict[str, tuple[Any, Any]] = {
                "extension due": (old, new_due),
                "reason": (None, reason.strip()),
            }
            if needs:
                changes["override"] = (None, f"{needs}: {override.strip()}")
            step.record("corrected", changes)
        return self.get(reference)

    # -- decisions and costs -------------------------------------------------------------

    def decide(
        self,
        reference: str,
        part_number: int,
        decision: str,
        exemptions: Iterable[Exemption | Mapping[str, Any]],
        actor: ActorLike,
        *,
        summary: str = "",
        not_held: str = "",
        held_by: str = "",
        tables: Sequence[str] = (),
    ) -> Request:
        """Record the decision on one part and the exemptions it relies on.

        ``summary`` says what is disclosed; ``not_held`` what was asked for but is not held
        and why (a part can be partly disclosed and partly not held), ``held_by`` who does
        hold it where known; ``tables`` the ids of the disclosure's tables that answer it.

        A qualified exemption is refused without its public interest test, a prejudice-based
        one without its harm; a part that neither confirms nor denies must cite NCND limbs
        (s31(3), not s31(1)(a)); s12 and s14 refuse ("refused"), they do not withhold; "not
        held" needs its reason. Changing a decision after submission withdraws the
        submission and any approval.
        """
        if decision not in DECISIONS:
            raise ValueError(f"decision {decision!r} is not one of {', '.join(DECISIONS)}")
        applied = [e if isinstance(e, Exemption) else Exemption.from_mapping(e) for e in exemptions]
        if decision in ("disclosed", "not held") and applied:
            raise TransitionError(
                f"part {part_number} is '{decision}': it cannot rely on exemptions"
            )
        if held_by.strip() and not not_held.strip():
            raise TransitionError(
                f"part {part_number}: who holds the information goes with what is not held "
                "and why (--not-held)"
            )
        problems = decision_problems(
            part_number, decision, [asdict(e) for e in applied], not_held=not_held
        )
        problems += [p for e in applied for p in exemption_problems(asdict(e))]
        if problems:
            raise TransitionError(f"{reference} part {part_number}: " + "; ".join(problems))
        with self._step(reference, "decide a part", actor) as step:
            request = step.request
            part = next((p for p in request.parts if p.number == part_number), None)
            if part is None:
                numbers = ", ".join(str(p.number) for p in request.parts)
                raise PartNotFound(f"{reference} has no part {part_number} (parts: {numbers})")
            old = {
                "not_held": part.not_held,
                "held_by": part.held_by,
                "tables": list(part.tables or []),
                "decision": part.decision,
                "exemptions": [_exemption_label(e) for e in part.exemptions],
                "summary": part.summary,
            }
            part.decision = decision
            part.summary = summary.strip()
            part.not_held = not_held.strip()
            part.held_by = held_by.strip()
            part.tables = [str(t) for t in tables]
            part.decided_by = step.who.name
            part.exemptions.clear()
            step.session.flush()
            for e in applied:
                entry = lookup(e.section)
                part.exemptions.append(
                    AppliedExemption(
                        section=entry.section,
                        subsection=e.subsection,
                        title=entry.title,
                        absolute=entry.absolute if e.absolute is None else bool(e.absolute),
                        basis=entry.basis,
                        applies_to=e.applies_to,
                        reason=e.reason,
                        harm=e.harm,
                        factors_for=list(e.factors_for),
                        factors_against=list(e.factors_against),
                        balance=e.balance,
                        earlier_reference=e.earlier_reference,
                        earlier_notice_on=e.earlier_notice_on,
                    )
                )
            new = {
                "not_held": not_held.strip(),
                "held_by": part.held_by,
                "tables": list(part.tables),
                "decision": decision,
                "exemptions": [_exemption_label(e) for e in part.exemptions],
                "summary": part.summary,
            }
            changes = {f"part {part_number} {k}": (old[k], new[k]) for k in old if old[k] != new[k]}
            step.record("decision", changes or None)
        return self.get(reference)

    def _withdraw_approval(self, session: Session, request: Request, who: Actor, step: str) -> None:
        if request.submitted_by or request.approved_by:
            self._audit(
                session,
                request.reference,
                who,
                "submission and approval withdrawn",
                {
                    "approved_by": (request.approved_by, None),
                    "submitted_by": (request.submitted_by, None),
                    "because": (None, f"{step} after submission"),
                },
            )
            request.submitted_by = request.submitted_on = None
            request.approved_by = request.approved_on = None
            request.approved_fingerprint = None

    def add_cost_line(
        self,
        reference: str,
        activity: str,
        description: str,
        records: int,
        minutes_per_record: Decimal | float,
        actor: ActorLike,
        *,
        part_number: int | None = None,
    ) -> Request:
        """Add a line to the request's s12 worksheet (reg 4(3) activities only)."""
        item = CostItem(
            activity, description, int(records), Decimal(str(minutes_per_record)), part_number
        )
        with self._step(reference, "cost estimate", actor) as step:
            request = step.request
            if part_number is not None and part_number not in {p.number for p in request.parts}:
                numbers = ", ".join(str(p.number) for p in request.parts)
                raise PartNotFound(f"{reference} has no part {part_number} (parts: {numbers})")
            request.cost_lines.append(
                CostLine(
                    activity=item.activity,
                    description=item.description,
                    records=item.records,
                    minutes_per_record=item.minutes_per_record,
                    part_number=part_number,
                )
            )
            step.record(
                "cost line",
                {
                    "cost line": (
                        None,
                        {
                            "activity": activity,
                            "description": description,
                            "records": records,
                            "minutes_per_record": item.minutes_per_record,
                        },
                    )
                },
            )
        return self.get(reference)

    def advise(self, reference: str, advice: str, actor: ActorLike) -> Request:
        """Record the advice and assistance (s16) the response gives, e.g. how to narrow."""
        with self._step(reference, "advice and assistance", actor) as step:
            request = step.request
            step.record("advice", {"advice": (request.advice, advice)})
            request.advice = advice.strip()
        return self.get(reference)

    def cost_estimate(self, reference: str, part_number: int | None = None) -> CostEstimate:
        """The request's worksheet against this authority's appropriate limit; with the
        lines of the requests aggregated with it (regulation 5), which it names.

        With ``part_number``, the estimate a s12 refusal of that part stands on: the lines
        for that part and those for the whole request (no part), never another part's.
        """
        with self._session() as session:
            request = self._load(session, reference)
            return _estimate(request, self.authority, self._linked(session, request), part_number)

    def _linked(self, session: Session, request: Request) -> list[Request]:
        """The requests aggregated with ``request`` that are still in the register."""
        found = []
        for link in request.aggregations:
            other = session.scalars(
                select(Request)
                .where(Request.reference == link.other_reference)
                .options(selectinload(Request.cost_lines))
            ).one_or_none()
            if other is not None:
                found.append(other)
        return found

    # -- approval and response -----------------------------------------------------------

    def s17_problems(self, reference: str) -> list[str]:
        """What still stops the response being issued (empty when it may issue)."""
        with self._session() as session:
            return self._problems(self._load(session, reference), session)

    def _problems(self, request: Request, session: Session | None = None) -> list[str]:
        problems = s17_problems(_parts_for_check(request))
        # A s12 refusal stands only on an estimate, for the part it refuses (with the
        # requests aggregated with it), over the limit.
        linked = self._linked(session, request) if session is not None else []
        for part in request.parts:
            if not any(e.section == "s12" for e in part.exemptions):
                continue
            estimate = _estimate(request, self.authority, linked, part.number)
            where = f"part {part.number} relies on s12 but"
            if not request.cost_lines and not estimate.items:
                problems.append(f"{where} the request has no cost estimate")
            elif not estimate.items:
                others = sorted({str(c.part_number) for c in request.cost_lines})
                problems.append(
                    f"{where} the cost estimate has no line for it (its lines are for part "
                    f"{', '.join(others)}): an estimate supports the part whose work it counts"
                )
            elif not estimate.exceeds_limit:
                problems.append(
                    f"{where} the estimate ({as_figure(estimate.hours)} hours, "
                    f"£{estimate.cost:,.2f}) is within the £{estimate.limit:,.0f} limit"
                )
        return problems

    def submit_for_approval(self, reference: str, actor: ActorLike) -> Request:
        """Send the decided request to a reviewer; every part must be decided, s17 met."""
        with self._step(reference, "submit", actor) as step:
            request = step.request
            problems = self._problems(request, step.session)
            if problems:
                raise TransitionError(f"{reference} cannot go for approval: " + "; ".join(problems))
            request.submitted_by = step.who.name
            request.submitted_on = _now()
            request.approved_by = request.approved_on = request.approved_fingerprint = None
            step.record(
                "submitted for approval",
                {"submitted_by": (None, step.who.name)},
            )
        return self.get(reference)

    def fingerprint(self, reference: str) -> str:
        """The fingerprint of the content a reviewer approves (``workflow.fingerprint``)."""
        return workflow.fingerprint(self._get(reference))

    def approve(self, reference: str, reviewer: ActorLike, *, fingerprint: str) -> Request:
        """A reviewer's sign-off of the content they reviewed, identified by its fingerprint.

        Refused to anyone without the reviewer role, to anyone who decided a part, added a
        cost line, advised or submitted it, when it is not awaiting approval (so a second
        approval cannot replace the first), and when the content changed since the reviewer
        saw it (the fingerprint differs).
        """
        with self._step(reference, "approve", reviewer) as step:
            request = step.request
            current = workflow.fingerprint(request)
            if fingerprint != current:
                raise TransitionError(
                    f"{reference} changed since it was reviewed (fingerprint "
                    f"{fingerprint[:12] or 'none'}, now {current[:12]}): "
                    "review the current version before approving it"
                )
            request.approved_by = step.who.name
            request.approved_on = _now()
            request.approved_fingerprint = current
            step.record(
                "approved",
                {"approved_by": (None, step.who.name), "fingerprint": (None, current)},
            )
        return self.get(reference)

    def declare_approvals(
        self,
        reference: str,
        importer: ActorLike,
        *,
        submitted_by: str,
        approved_by: str,
        source: str,
    ) -> Request:
        """Record approvals a request file declares: the importer acted, the named did not here.

        The trail says "imported; approvals declared in the file", with who imported it and
        the names declared, never that the named reviewer approved in this register.
        """
        with self._step(reference, "submit", importer) as step:
            request = step.request
            problems = self._problems(request, step.session)
            if problems:
                raise TransitionError(f"{reference} cannot be approved: " + "; ".join(problems))
            request.submitted_by = submitted_by
            request.submitted_on = _now()
            request.approved_by = approved_by
            request.approved_on = _now()
            request.approved_fingerprint = workflow.fingerprint(request)
            step.record(
                "imported; approvals declared in the file",
                {
                    "imported by": (None, step.who.name),
                    "file": (None, source),
                    "submitted_by (declared)": (None, submitted_by),
                    "approved_by (declared)": (None, approved_by),
                },
            )
        return self.get(reference)

    def respond(
        self,
        reference: str,
        responded_on: date,
        attachments: Sequence[Mapping[str, Any]],
        actor: ActorLike,
    ) -> Request:
        """Issue the response: it must be approved as it stands and meet s17."""
        with self._step(reference, "respond", actor) as step:
            request = step.request
            problems = self._problems(request, step.session)
            if problems:
                raise TransitionError(f"{reference} cannot be responded to: " + "; ".join(problems))
            if request.approved_fingerprint != workflow.fingerprint(request):
                raise TransitionError(
                    f"{reference} changed since it was approved: it needs approving again"
                )
            self._check_date(request, responded_on, "response date", after=_last_clarified(request))
            files = [_attachment(a) for a in attachments]
            request.responded_on = responded_on
            request.attachments = files
            step.record(
                "responded",
                {
                    "responded_on": (None, responded_on),
                    "attachments": (None, [f["title"] for f in files]),
                },
            )
        return self.get(reference)

    # -- after the response --------------------------------------------------------------

    def internal_review(
        self, reference: str, requested_on: date, actor: ActorLike, *, exceptional: bool = False
    ) -> Request:
        """The requester asks for an internal review of the response."""
        with self._step(reference, "internal review requested", actor) as step:
            request = step.request
            self._check_date(
                request, requested_on, "review request date", after=request.responded_on
            )
            request.reviews.append(
                InternalReview(requested_on=requested_on, exceptional=exceptional, outcome="")
            )
            step.record(
                "internal review requested",
                {"requested_on": (None, requested_on)},
            )
        return self.get(reference)

    def decide_review(
        self,
        reference: str,
        decided_on: date,
        outcome: str,
        reviewer: ActorLike,
        *,
        result: str = "",
        changes: str = "",
    ) -> Request:
        """The internal review's fresh decision, by a reviewer.

        ``result`` is one of ``REVIEW_RESULTS`` and ``changes`` what the review changes in
        the response; the review's outcome letter needs both (``changes`` unless upheld).
        """
        if result and result not in REVIEW_RESULTS:
            raise ValueError(f"review result {result!r} is not one of {', '.join(REVIEW_RESULTS)}")
        with self._step(reference, "internal review decided", reviewer) as step:
            request = step.request
            open_ = [r for r in request.reviews if r.decided_on is None]
            self._check_date(
                request, decided_on, "review decision date", after=open_[0].requested_on
            )
            if not outcome.strip():
                raise ValueError("say what the review decided")
            open_[0].decided_on = decided_on
            open_[0].outcome = outcome.strip()
            open_[0].reviewer = step.who.name
            open_[0].result = result
            open_[0].changes = changes.strip()
            recorded: dict[str, tuple[Any, Any]] = {"outcome": (None, outcome.strip())}
            if result:
                recorded["result"] = (None, result)
            if changes.strip():
                recorded["changes"] = (None, changes.strip())
            step.record("internal review decided", recorded)
        return self.get(reference)

    def ico_appeal(
        self, reference: str, lodged_on: date, actor: ActorLike, *, ico_reference: str = ""
    ) -> Request:
        """A complaint to the Information Commissioner under s50."""
        with self._step(reference, "ICO complaint lodged", actor) as step:
            request = step.request
            self._check_date(request, lodged_on, "complaint date", after=request.responded_on)
            request.appeals.append(
                IcoAppeal(lodged_on=lodged_on, ico_reference=ico_reference, outcome="")
            )
            step.record(
                "ICO complaint",
                {"lodged_on": (None, lodged_on), "ico_reference": (None, ico_reference)},
            )
        return self.get(reference)

    def ico_decision(
        self,
        reference: str,
        decided_on: date,
        outcome: str,
        actor: ActorLike,
        *,
        compliance_days: int = DECISION_NOTICE_COMPLIANCE_DAYS,
    ) -> Request:
        """The Commissioner's decision notice, with the compliance period it states."""
        if compliance_days < 1:
            raise ValueError("a decision notice's compliance period is at least one day")
        with self._step(reference, "ICO complaint decided", actor) as step:
            request = step.request
            open_ = [a for a in request.appeals if a.decided_on is None]
            self._check_date(request, decided_on, "decision notice date", after=open_[0].lodged_on)
            open_[0].decided_on = decided_on
            open_[0].outcome = outcome.strip()
            open_[0].compliance_days = compliance_days
            step.record(
                "ICO decision",
                {"outcome": (None, outcome.strip()), "compliance_days": (None, compliance_days)},
            )
        return self.get(reference)

    def comply(self, reference: str, complied_on: date, actor: ActorLike) -> Request:
        """The authority complied with the ICO's decision notice."""
        with self._step(reference, "decision-notice compliance", actor) as step:
            request = step.request
            notice = next(a for a in request.appeals if a.decided_on and a.complied_on is None)
            self._check_date(request, complied_on, "compliance date", after=notice.decided_on)
            notice.complied_on = complied_on
            step.record("complied", {"complied_on": (None, complied_on)})
        return self.get(reference)

    def tribunal_appeal(self, reference: str, lodged_on: date, actor: ActorLike) -> Request:
        """An appeal against the decision notice to the First-tier Tribunal (s57)."""
        with self._step(reference, "tribunal appeal", actor) as step:
            request = step.request
            notice = next(
                a for a in request.appeals if a.decided_on and a.tribunal_lodged_on is None
            )
            self._check_date(request, lodged_on, "appeal date", after=notice.decided_on)
            notice.tribunal_lodged_on = lodged_on
            step.record("tribunal appeal", {"lodged_on": (None, lodged_on)})
        return self.get(reference)

    def tribunal_decision(
        self, reference: str, decided_on: date, outcome: str, actor: ActorLike
    ) -> Request:
        """The First-tier Tribunal's decision on the appeal."""
        if not outcome.strip():
            raise ValueError("say what the Tribunal decided")
        with self._step(reference, "tribunal decided", actor) as step:
            request = step.request
            appeal = next(
                a for a in request.appeals if a.tribunal_lodged_on and not a.tribunal_decided_on
            )
            self._check_date(
                request, decided_on, "Tribunal decision", after=appeal.tribunal_lodged_on
            )
            appeal.tribunal_decided_on = decided_on
            appeal.tribunal_outcome = outcome.strip()
            step.record("tribunal decision", {"outcome": (None, outcome.strip())})
        return self.get(reference)

    # -- letters -------------------------------------------------------------------------

    def letter_problems(
        self, reference: str, kind: str, issued_on: date | None = None
    ) -> list[str]:
        """The elements the Act requires of a ``kind`` letter that this request lacks now."""
        return letter_kinds.missing_elements(self, self._get(reference), kind, issued_on)

    def check_letter(self, reference: str, kind: str, issued_on: date, actor: ActorLike) -> None:
        """Refuse, as ``record_letter`` would, a letter ``actor`` may not issue now."""
        who = as_actor(actor)
        request = self._get(reference)
        why = workflow.refusal(request, "issue a letter", who.name, who.roles)
        why = why or letter_kinds.step_refusal(request, kind, who.name, who.roles)
        if why:
            raise TransitionError(why)
        self._check_date(request, issued_on, "letter date")
        missing = letter_kinds.missing_elements(self, request, kind, issued_on)
        if missing:
            raise TransitionError(letter_kinds.refusal(reference, kind, missing))

    def record_letter(
        self,
        reference: str,
        kind: str,
        issued_on: date,
        files: Sequence[Mapping[str, Any]],
        actor: ActorLike,
    ) -> Request:
        """Record a letter issued: refused while the request lacks an element it must state.

        ``files`` are ``{"file", "sha256"}`` of what was written (``letter_kinds.issue``
        writes them and calls this).
        """
        with self._step(reference, "issue a letter", actor) as step:
            request = step.request
            self._check_date(request, issued_on, "letter date")
            missing = letter_kinds.missing_elements(self, request, kind, issued_on)
            if missing:
                raise TransitionError(letter_kinds.refusal(reference, kind, missing))
            kept = [{"file": str(f["file"]), "sha256": f.get("sha256")} for f in files]
            request.letters.append(
                Letter(
                    kind=kind, issued_on=issued_on, issued_by=step.who.name, files=kept, at=_now()
                )
            )
            step.record(
                "letter issued",
                {
                    "kind": (None, kind),
                    "issued_on": (None, issued_on),
                    "files": (None, [f["file"] for f in kept]),
                },
            )
        return self.get(reference)

    # -- reading -------------------------------------------------------------------------

    def audit_trail(self, reference: str) -> list[AuditEntry]:
        """Every change to the request, oldest first (kept after a request is deleted)."""
        with self._session() as session:
            entries = list(
                session.scalars(
                    select(AuditEntry)
                    .where(AuditEntry.reference == reference)
                    .order_by(AuditEntry.id)
                )
            )
        if not entries:
            raise RequestNotFound(f"no request {reference!r} in the register")
        return entries

    def deadline_for(self, request: Request) -> clock.Deadline:
        """The deadline of a request already loaded (e.g. from ``list_requests``)."""
        waiting = workflow.open_clarification(request) or next(
            (c for c in request.clarifications if c.closed_on is not None), None
        )
        return deadline_from(
            request.received,
            max((c.answered_on for c in request.clarifications if c.answered_on), default=None),
            tuple((f.issued_on, f.paid_on, f.lapsed_on) for f in request.fee_notices),
            max((e.new_due for e in request.extensions), default=None),
            request.receipt_rule,
            waiting.sought_on if waiting is not None else None,
            waiting.closed_on if waiting is not None else None,
        )

    def deadline(self, reference: str) -> clock.Deadline:
        """When the response is due, with the lines explaining it."""
        return self.deadline_for(self._get(reference))

    def review_deadline(self, reference: str) -> clock.Deadline | None:
        """When the latest internal review is due, if one was asked for."""
        request = self._get(reference)
        if not request.reviews:
            return None
        review = request.reviews[-1]
        return clock.review_due(review.requested_on, exceptional=review.exceptional)

    def record_personal_data_review(
        self,
        reference: str,
        fingerprint: str,
        decisions: Sequence[Mapping[str, Any]],
        actor: ActorLike,
    ) -> None:
        """Keep a completed personal-data review (checked by ``foi.personal_data``)."""
        with self._step(reference, "personal-data review", actor) as step:
            request = step.request
            review = _personal_data_review_of(step.session, request)
            if review is None:
                review = PersonalDataReview(request_id=request.id)
                step.session.add(review)
            review.reviewed_by = step.who.name
            review.reviewed_at = _now()
            review.fingerprint = fingerprint
            review.decisions = [dict(d) for d in decisions]
            removed = [d["text"] for d in decisions if d.get("decision") == "remove"]
            step.record(
                "personal-data review",
                {"removed": (None, len(removed)), "kept": (None, len(decisions) - len(removed))},
            )

    def personal_data_review(self, reference: str) -> dict[str, Any] | None:
        """The request's latest personal-data review, or None if it has had none."""
        with self._session() as session:
            review = _personal_data_review_of(session, self._load(session, reference))
            if review is None:
                return None
            return {
                "reviewed_by": review.reviewed_by,
                "reviewed_at": review.reviewed_at,
                "fingerprint": review.fingerprint,
                "decisions": list(review.decisions),
            }

    def public_view(self, reference: str, *, require_response: bool = True) -> dict[str, Any]:
        """What the disclosure log may publish: nothing about the requester.

        Only a responded request is published; ``require_response=False`` gives a preview.
        """
        request = self._get(reference)
        if require_response and request.responded_on is None:
            raise TransitionError(f"{reference} has not been responded to, so it is not published")
        return {
            "reference": request.reference,
            "title": request.title,
            "subject": request.subject,
            "request_text": request.text,
            "received": request.received,
            "responded_on": request.responded_on,
            "parts": [
                {
                    "number": p.number,
                    "text": p.text,
                    "decision": p.decision,
                    "summary": p.summary,
                    "not_held": p.not_held,
                    "held_by": p.held_by,
                    "exemptions": [
                        {
                            "section": e.section,
                            "subsection": e.subsection,
                            "title": e.title,
                            "absolute": e.absolute,
                            "basis": e.basis,
                            "applies_to": e.applies_to,
                            "reason": e.reason,
                            "harm": e.harm,
                            "factors_for": list(e.factors_for),
                            "factors_against": list(e.factors_against),
                            "balance": e.balance,
                        }
                        for e in p.exemptions
                    ],
                }
                for p in request.parts
            ],
            "advice": request.advice,
            "attachments": [dict(a) for a in request.attachments],
        }


def _personal_data_review_of(session: Session, request: Request) -> PersonalDataReview | None:
    """The request's one kept personal-data review row, if it has had one."""
    return session.scalars(
        select(PersonalDataReview).where(PersonalDataReview.request_id == request.id)
    ).one_or_none()


@lru_cache(maxsize=16_384)
def deadline_from(
    received: date,
    clarified: date | None,
    fee_notices: tuple[tuple[date, date | None, date | None], ...],
    extended_to: date | None,
    receipt_rule: str,
    awaiting_clarification: date | None = None,
    closed_unanswered: date | None = None,
) -> clock.Deadline:
    """A request's deadline from the facts that set it: the day received, the latest
    clarification answered, each fees notice (issued, paid, lapsed), the latest extension,
    the day an unanswered clarification was sought (the clock is stopped since then) and
    the day the request was closed for want of an answer.

    Kept per facts, not per request: a register's requests share few received dates, so
    a page of every deadline costs a few hundred calendar walks, not ten thousand.
    """
    if awaiting_clarification is not None:
        # s1(3): no duty to answer until the clarification arrives; the count restarts then.
        explanation = [
            f"Clock stopped since {awaiting_clarification}: awaiting the requester's "
            "clarification (s1(3)); 20 working days start again from the answer."
        ]
        if closed_unanswered is not None:
            explanation = [
                f"Clock stopped since {awaiting_clarification}: the requester's clarification "
                f"(s1(3)) never came, and the request was closed on {closed_unanswered}."
            ]
        return clock.Deadline(
            due=None,
            start=awaiting_clarification,
            working_days=0,
            explanation=explanation,
            skipped=[],
            stopped_since=awaiting_clarification,
        )
    pauses = [clock.FeePause(issued, paid, lapsed) for issued, paid, lapsed in fee_notices]
    base = clock.due_date(
        received,
        clarified=clarified,
        fee_pauses=pauses,
        receipt_rule=receipt_rule,  # type: ignore[arg-type]
    )
    if extended_to is not None and base.due is not None and extended_to > base.due:
        return clock.due_date(
            received,
            clarified=clarified,
            fee_pauses=pauses,
            extended_to=extended_to,
            receipt_rule=receipt_rule,  # type: ignore[arg-type]
        )
    return base


def _last_clarified(request: Request) -> date | None:
    return max((c.answered_on for c in request.clarifications if c.answered_on), default=None)


def _pauses(request: Request) -> list[clock.FeePause]:
    return [clock.FeePause(f.issued_on, f.paid_on) for f in request.fee_notices]


def _extension_override(new_due: date, statutory_due: date | None) -> str:
    """Why an extension to ``new_due`` needs an explicit override, or "" if it does not."""
    reasons = []
    why_not = clock.UK_CALENDAR.non_working_reason(new_due)
    if why_not:
        reasons.append(f"{new_due} is not a working day ({why_not})")
    if statutory_due is not None:
        further = clock.working_days_between(statutory_due, new_due)
        if further > clock.EXTENSION_GUIDE_DAYS:
            reasons.append(
                f"it is {further} working days after the statutory due date {statutory_due}, "
                f"beyond a reasonable {clock.EXTENSION_GUIDE_DAYS}"
            )
    return "; ".join(reasons)


def _estimate(
    request: Request,
    authority: str,
    linked: Sequence[Request] = (),
    part_number: int | None = None,
) -> CostEstimate:
    """The worksheet of ``request`` and of the requests aggregated with it (``linked``);
    with ``part_number``, only this request's lines for that part or for no part."""
    lines = [
        (request, c)
        for c in request.cost_lines
        if part_number is None or c.part_number in (None, part_number)
    ]
    lines += [(owner, c) for owner in linked for c in owner.cost_lines]
    items = tuple(
        CostItem(
            c.activity,
            c.description if owner is request else f"{owner.reference}: {c.description}",
            c.records,
            Decimal(str(c.minutes_per_record)),
            c.part_number if owner is request else None,
        )
        for owner, c in lines
    )
    return CostEstimate(
        items, authority=authority, aggregated_with=tuple(r.reference for r in linked)
    )


def aggregation_span(received: Iterable[date]) -> int:
    """How many consecutive working days the dates fall within, both ends counted (a day
    that is not a working day counts as the next working day)."""
    days = [clock.UK_CALENDAR.next_working_day(d) for d in received]
    return clock.working_days_between(min(days), max(days)) + 1


def _exemption_label(e: AppliedExemption) -> str:
    return f"{e.section}{e.subsection}"


def _parts_for_check(request: Request) -> list[dict[str, Any]]:
    return [
        {
            "number": p.number,
            "decision": p.decision,
            "not_held": p.not_held,
            "held_by": p.held_by,
            "exemptions": [
                {
                    "section": e.section,
                    "subsection": e.subsection,
                    "absolute": e.absolute,
                    "reason": e.reason,
                    "harm": e.harm,
                    "factors_for": e.factors_for,
                    "factors_against": e.factors_against,
                    "balance": e.balance,
                }
                for e in p.exemptions
            ],
        }
        for p in request.parts
    ]


def _attachment(data: Mapping[str, Any]) -> dict[str, Any]:
    if not data.get("title") or not data.get("file"):
        raise ValueError(f"an attachment needs a title and a file: {dict(data)}")
    return {"title": str(data["title"]), "file": str(data["file"]), "sha256": data.get("sha256")}
