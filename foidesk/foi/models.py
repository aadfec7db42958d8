"""The register's tables: requests, their parts, decisions, exemptions and the audit trail.

Every table is prefixed ``foi_`` and created by the ``foi`` migration branch, except the
accounts' (``web_users``, ``web_login_attempts``, ``web_account_events``): the ``web``
branch created them before accounts moved below the web layer, and their names stay. Lists of
free text (public interest factors, attachments) are JSON columns, which SQLite and
PostgreSQL both store.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from foidesk.db import Base


class Request(Base):
    """One FOI request as received; the requester's contact is never published."""

    __tablename__ = "foi_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(Text, default="")
    subject: Mapped[str] = mapped_column(String(200), default="")
    received: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(40))
    requester_contact: Mapped[str] = mapped_column(Text, default="")
    # Individual, media, business... (``register.REQUESTER_TYPES``): for the s45 statistics
    # only, never published and never read by a decision; "" where it was not recorded.
    requester_type: Mapped[str] = mapped_column(String(40), default="")
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(40), default="received", index=True)
    receipt_rule: Mapped[str] = mapped_column(String(40), default="as-received")
    submitted_by: Mapped[str | None] = mapped_column(String(200))
    submitted_on: Mapped[datetime | None] = mapped_column(DateTime)
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_on: Mapped[datetime | None] = mapped_column(DateTime)
    responded_on: Mapped[date | None] = mapped_column(Date)
    attachments: Mapped[list] = mapped_column(JSON, default=list)
    advice: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    acknowledged_on: Mapped[date | None] = mapped_column(Date)
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    withdrawal_reason: Mapped[str] = mapped_column(Text, default="")
    transferred_on: Mapped[date | None] = mapped_column(Date)
    transferred_to: Mapped[str] = mapped_column(Text, default="")
    # The fingerprint of the content the reviewer approved (see foidesk.foi.workflow).
    approved_fingerprint: Mapped[str | None] = mapped_column(String(64))
    # Every step bumps this, so two steps taken at once on one request cannot both win.
    version: Mapped[int] = mapped_column(Integer, default=1)

    parts: Mapped[list[Part]] = relationship(
        back_populates="request", order_by="Part.number", cascade="all, delete-orphan"
    )
    clarifications: Mapped[list[Clarification]] = relationship(
        order_by="Clarification.id", cascade="all, delete-orphan"
    )
    fee_notices: Mapped[list[FeeNotice]] = relationship(
        order_by="FeeNotice.id", cascade="all, delete-orphan"
    )
    extensions: Mapped[list[Extension]] = relationship(
        order_by="Extension.id", cascade="all, delete-orphan"
    )
    cost_lines: Mapped[list[CostLine]] = relationship(
        order_by="CostLine.id", cascade="all, delete-orphan"
    )
    reviews: Mapped[list[InternalReview]] = relationship(
        order_by="InternalReview.id", cascade="all, delete-orphan"
    )
    appeals: Mapped[list[IcoAppeal]] = relationship(
        order_by="IcoAppeal.id", cascade="all, delete-orphan"
    )
    aggregations: Mapped[list[Aggregation]] = relationship(
        order_by="Aggregation.id", cascade="all, delete-orphan"
    )
    letters: Mapped[list[Letter]] = relationship(order_by="Letter.id", cascade="all, delete-orphan")
    # The trail survives the request, so it is joined by reference, read-only.
    audit: Mapped[list[AuditEntry]] = relationship(
        primaryjoin="foreign(AuditEntry.reference) == Request.reference",
        order_by="AuditEntry.id",
        viewonly=True,
    )


class Part(Base):
    """One numbered question of a request, with the decision on it."""

    __tablename__ = "foi_parts"
    __table_args__ = (UniqueConstraint("request_id", "number", name="uq_foi_parts_request_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("foi_requests.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    decision: Mapped[str | None] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(Text, default="")
    not_held: Mapped[str] = mapped_column(Text, default="")
    # Who does hold what the force does not, where it is known (s16: point the requester there).
    held_by: Mapped[str] = mapped_column(Text, default="")
    # The ids of the disclosure's tables that answer this part (described from their specs).
    tables: Mapped[list | None] = mapped_column(JSON, default=list)
    decided_by: Mapped[str | None] = mapped_column(String(200))

    request: Mapped[Request] = relationship(back_populates="parts")
    exemptions: Mapped[list[AppliedExemption]] = relationship(
        order_by="AppliedExemption.id", cascade="all, delete-orphan"
    )


class AppliedExemption(Base):
    """An exemption (or s12/s14 refusal ground) applied to a part, with its reasoning."""

    __tablename__ = "foi_exemptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("foi_parts.id", ondelete="CASCADE"), index=True)
    section: Mapped[str] = mapped_column(String(20))
    subsection: Mapped[str] = mapped_column(String(40), default="")
    title: Mapped[str] = mapped_column(String(200), default="")
    absolute: Mapped[bool] = mapped_column(Boolean)
    basis: Mapped[str] = mapped_column(String(20))
    applies_to: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    harm: Mapped[str] = mapped_column(Text, default="")
    factors_for: Mapped[list] = mapped_column(JSON, default=list)
    factors_against: Mapped[list] = mapped_column(JSON, default=list)
    balance: Mapped[str] = mapped_column(Text, default="")
    # s17(6): the earlier request whose s14 refusal notice makes another notice unnecessary.
    earlier_reference: Mapped[str] = mapped_column(String(64), default="")
    earlier_notice_on: Mapped[date | None] = mapped_column(Date)


class Clarification(Base):
    """A request for clarification (s1(3)) and the requester's answer."""

    __tablename__ = "foi_clarifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("foi_requests.id", ondelete="CASCADE"), index=True
    )
    sought_on: Mapped[date] = mapped_column(Date)
    question: Mapped[str] = mapped_column(Text)
    answered_on: Mapped[date | None] = mapped_column(Date)
    answer: Mapped[str] = mapped_column(Text, default="")
    reminded_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)


class FeeNotice(Base):
    """A fees notice (s9, s10(2)); the clock stops from notice to payment."""

    __tablename__ = "foi_fee_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("foi_requests.id", ondelete="CASCADE"), index=True
    )
    issued_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[float] = mapped_column(Numeric(10, 2))
    paid_on: Mapped[date | None] = mapped_column(Date)
    lapsed_on: Mapped[date | None] = mapped_column(Date)


class Extension(Base):
    """A public interest extension (s10(3), s17(2)) naming the exemption being weighed."""

    __tablename__ = "foi_extensions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("foi_requests.id", ondelete="CASCADE"), index=True
    )
    exemption: Mapped[str] = mapped_column(String(40))
    notified_on: Mapped[date] = mapped_column(Date)
    new_due: Mapped[date] = mapped_column(Date)
    override_reason: Mapped[str] = mapped_column(Text, default="")
    # Why more time is needed: the s17(2) notice tells the requester.
    reason: Mapped[str] = mapped_column(Text, default="")


class CostLine(Base):
    """One line of a s12 cost estimate: an activity over some records."""

    __tablename__ = "foi_cost_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("foi_requests.id", ondelete="CASCADE"), index=True
    )
    activity: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text)
    records: Mapped[int] = mapped_column(Integer)
    minutes_per_record: Mapped[float] = mapped_column(Numeric(8, 2))
    part_number: Mapped[int | None] = mapped_column(Integer)


class InternalReview(Base):
    """An internal review: asked for, decided, with its outcome."""

    __tablename__ = "foi_internal_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("foi_requests.id", ondelete="CASCADE"), index=True
    )
    requested_on: Mapped[date] = mapped_column(Date)
    exceptional: Mapped[bool] = mapped_column(Boolean, default=False)
    decided_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(Text, default="")
    reviewer: Mapped[str | None] = mapped_column(String(200))
    # One of REVIEW_RESULTS, and what the review changes in the response (its letter says).
    result: Mapped[str] = mapped_column(String(40), default="")
    changes: Mapped[str] = mapped_column(Text, default="")


class Letter(Base):
    """A letter issued to the requester: its kind (``foi.letter_kinds``), date and files."""

    __tablename__ = "foi_letters"
    __table_args__ = (Index("ix_foi_letters_request", "request_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("foi_requests.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(60))
    issued_on: Mapped[date] = mapped_column(Date)
    issued_by: Mapped[str] = mapped_column(String(200))
    # [{"file": name, "sha256": digest}], the HTML and the PDF.
    files: Mapped[list] = mapped_column(JSON, default=list)
    at: Mapped[datetime] = mapped_column(DateTime)


class IcoAppeal(Base):
    """A complaint to the Information Commissioner (s50) and its decision notice."""

    __tablename__ = "foi_ico_appeals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("foi_requests.id", ondelete="CASCADE"), index=True
    )
    lodged_on: Mapped[date] = mapped_column(Date)
    ico_reference: Mapped[str] = mapped_column(String(64), default="")
    decided_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(Text, default="")
    compliance_days: Mapped[int | None] = mapped_column(Integer)
    complied_on: Mapped[date | None] = mapped_column(Date)
    tribunal_lodged_on: Mapped[date | None] = mapped_column(Date)
    tribunal_decided_on: Mapped[date | None] = mapped_column(Date)
    tribunal_outcome: Mapped[str] = mapped_column(Text, default="")


class Aggregation(Base):
    """Another request this one is aggregated with for the s12 estimate (regulation 5).

    A link is kept on both requests, so each one's estimate and letter name the other.
    """

    __tablename__ = "foi_aggregations"
    __table_args__ = (UniqueConstraint("request_id", "other_reference"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("foi_requests.id", ondelete="CASCADE"))
    other_reference: Mapped[str] = mapped_column(String(64))
    linked_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")


class AuditEntry(Base):
    """Who changed what, when, from which value to which."""

    __tablename__ = "foi_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(60))
    field: Mapped[str] = mapped_column(String(80), default="")
    old: Mapped[object] = mapped_column(JSON, nullable=True)
    new: Mapped[object] = mapped_column(JSON, nullable=True)


class User(Base):
    """A workspace account; ``roles`` is a comma-separated subset of ``register.ROLES``."""

    __tablename__ = "web_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(120), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    roles: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # Moved on by sign-out, a password change or reset and deactivation: a session
    # signed in under an earlier generation is no longer accepted.
    session_generation: Mapped[int] = mapped_column(Integer, default=0)
    # SHA-256 of the account's command-line token; the token itself is never stored.
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    token_created_at: Mapped[datetime | None] = mapped_column(DateTime)

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset(r for r in self.roles.split(",") if r)


class LoginAttempt(Base):
    """One sign-in attempt, kept so repeated failures can be throttled."""

    __tablename__ = "web_login_attempts"
    # Throttling counts one account's recent failures from one address.
    __table_args__ = (
        Index("ix_web_login_attempts_who_when", "username", "address", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[datetime] = mapped_column(DateTime)
    succeeded: Mapped[bool] = mapped_column(Boolean)


class AccountEvent(Base):
    """A change to an account (created, password reset or changed, deactivated...) and who."""

    __tablename__ = "web_account_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(120), index=True)
    action: Mapped[str] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(DateTime)


class PersonalDataReview(Base):
    """The latest personal-data review of what the log would show for a request.

    ``fingerprint`` is the SHA-256 of the register's texts the reviewer read; a change
    to any of them makes the review stale. ``decisions`` are ``Decision.as_dict`` rows.
    """

    __tablename__ = "foi_personal_data_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("foi_requests.id", ondelete="CASCADE"), unique=True
    )
    reviewed_by: Mapped[str] = mapped_column(String(200))
    reviewed_at: Mapped[datetime] = mapped_column(DateTime)
    fingerprint: Mapped[str] = mapped_column(String(64))
    decisions: Mapped[list] = mapped_column(JSON, default=list)


class Message(Base):
    """One email to or from the requester: the register's correspondence record.

    Outgoing messages are kept before they are sent, so a failed send is shown and
    retried, never lost; ``message_id`` threads replies back to their request.
    """

    __tablename__ = "foi_messages"
    __table_args__ = (Index("ix_foi_messages_request", "request_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("foi_requests.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(8))  # "in" or "out"
    kind: Mapped[str] = mapped_column(String(60))
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    in_reply_to: Mapped[str] = mapped_column(String(255), default="")
    subject: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    attachments: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20))  # received, queued, sent, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime)
