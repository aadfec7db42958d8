"""The policy registry's tables: a policy and its numbered versions.

Every table is prefixed ``documents_`` and created by the ``documents`` migration branch.
A version keeps the file it was issued as (bytes and SHA-256), so the registry alone can
reproduce what was in force on any date.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from foidesk.db import Base


class Policy(Base):
    """A force policy known by a short name (``domestic-abuse``)."""

    __tablename__ = "documents_policies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    versions: Mapped[list[PolicyVersion]] = relationship(
        back_populates="policy", cascade="all, delete-orphan"
    )


class PolicyVersion(Base):
    """One issued version; ``amendments`` is None when the history was not recorded."""

    __tablename__ = "documents_policy_versions"
    __table_args__ = (
        UniqueConstraint("policy_id", "number", name="uq_documents_policy_versions_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    policy_id: Mapped[int] = mapped_column(
        ForeignKey("documents_policies.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[str] = mapped_column(String(20))
    effective: Mapped[date] = mapped_column(Date)
    owner_role: Mapped[str] = mapped_column(String(200))
    amendments: Mapped[str | None] = mapped_column(Text)
    file_name: Mapped[str | None] = mapped_column(String(255))
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    file_content: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    policy: Mapped[Policy] = relationship(back_populates="versions")
