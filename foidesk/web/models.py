"""The web concern's tables: the disclosure log and the app's own settings.

Every table is prefixed ``web_`` and created by the ``web`` migration branch. The log keeps
its own copy of what was published (text, letter and attachment bytes), so nothing that
was never published can be reached through a public URL, whatever the register holds.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from foidesk.db import Base


class PublishedResponse(Base):
    """One response as it appears on the public disclosure log."""

    __tablename__ = "web_responses"
    # Browsing and counting read only these columns (web_0002).
    __table_args__ = (Index("ix_web_responses_browse", "published_on", "subject", "reference"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(String(200), index=True)
    published_on: Mapped[date] = mapped_column(Date, index=True)
    request_text: Mapped[str] = mapped_column(Text)
    # The overall outcome in words, e.g. "Information partially disclosed".
    decision: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    # [{"section", "title", "reason", "public_interest"}...] as published in the letter.
    exemptions: Mapped[list] = mapped_column(JSON, default=list)
    letter_html: Mapped[str] = mapped_column(Text, default="")
    # Plain text of the letter and exemptions, indexed for search with the fields above.
    search_text: Mapped[str] = mapped_column(Text, default="")
    published_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # The published tables' specifications ({id, title, counting_unit, specification_sha256,
    # specification}) and their [c] cells ({table, row, column}), from the answer's
    # manifest: what a later answer is protected against.
    tables: Mapped[list] = mapped_column(JSON, default=list)
    withheld: Mapped[list] = mapped_column(JSON, default=list)

    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="response",
        order_by="Attachment.position",
        cascade="all, delete-orphan",
    )


class Attachment(Base):
    """A published file (workbook, CSV, redacted document), kept with its checksum."""

    __tablename__ = "web_attachments"
    __table_args__ = (UniqueConstraint("response_id", "filename"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("web_responses.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(Text)
    media_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)

    response: Mapped[PublishedResponse] = relationship(back_populates="attachments")


class LogVersion(Base):
    """The log's version, one row: the database sets it to a new number with every change
    to ``web_responses`` (triggers of migrations web_0009 to web_0011); searches key what
    they keep by it."""

    __tablename__ = "web_log_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


class Setting(Base):
    """Installation settings the app generates once, such as the session signing key."""

    __tablename__ = "web_settings"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Job(Base):
    """Long work of the workspace run in the background (``foidesk.web.jobs``)."""

    __tablename__ = "web_jobs"
    __table_args__ = (Index("ix_web_jobs_reference", "reference", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # What it does ("tables", "publish"), to which request, at whose request.
    kind: Mapped[str] = mapped_column(String(40))
    reference: Mapped[str] = mapped_column(String(64))
    started_by: Mapped[str] = mapped_column(String(200))
    # queued, running, done or failed.
    state: Mapped[str] = mapped_column(String(20))
    # How far it has got: ``done`` of ``total`` stages, and what it is doing now.
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    # Where the result is (a path in the app) once done; why it stopped once failed.
    result: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
