"""The policy registry: add versions of a policy, list policies, read a policy's history.

A version number is ``major.minor`` (``12.1``). Versions are ordered by number, and a
later number may not take effect before an earlier one: the version-control document
reads the history in that order.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from foidesk.db import open_session
from foidesk.documents.models import Policy, PolicyVersion

VERSION_NUMBER = re.compile(r"^(\d+)\.(\d+)$")


class PolicyError(ValueError):
    """A policy or version that cannot be registered as given."""


@dataclass(frozen=True)
class VersionRecord:
    """One version as the registry reports it (no database session attached)."""

    policy: str
    number: str
    effective: date
    owner_role: str
    amendments: str | None
    file_name: str | None
    file_sha256: str | None


@dataclass(frozen=True)
class PolicySummary:
    """A policy and its latest version."""

    name: str
    title: str
    versions: int
    latest: str | None
    latest_effective: date | None


def version_key(number: str) -> tuple[int, int]:
    """Sort key for a version number: '12.1' -> (12, 1); '9.10' sorts after '9.2'."""
    match = VERSION_NUMBER.match(number.strip())
    if not match:
        raise PolicyError(f"version number {number!r} is not of the form MAJOR.MINOR (e.g. 12.1)")
    return int(match.group(1)), int(match.group(2))


def _record(policy: Policy, version: PolicyVersion) -> VersionRecord:
    return VersionRecord(
        policy=policy.name,
        number=version.number,
        effective=version.effective,
        owner_role=version.owner_role,
        amendments=version.amendments,
        file_name=version.file_name,
        file_sha256=version.file_sha256,
    )


def _find_policy(session: Session, name: str) -> Policy | None:
    return session.scalars(
        select(Policy).where(Policy.name == name).options(selectinload(Policy.versions))
    ).one_or_none()


@dataclass(frozen=True)
class NewVersion:
    """A version to register; ``amendments`` is None when its history was not recorded."""

    number: str
    effective: date
    owner_role: str
    amendments: str | None = None
    file: Path | None = None


def _check_order(policy: Policy, number: str, effective: date) -> None:
    key = version_key(number)
    for existing in policy.versions:
        if existing.number == number:
            raise PolicyError(f"policy {policy.name!r} already has version {number}")
        earlier = version_key(existing.number) < key
        if earlier and existing.effective > effective:
            raise PolicyError(
                f"policy {policy.name!r} version {number} takes effect {effective}, before "
                f"earlier version {existing.number} ({existing.effective})"
            )
        if not earlier and existing.effective < effective:
            raise PolicyError(
                f"policy {policy.name!r} version {number} takes effect {effective}, after "
                f"later version {existing.number} ({existing.effective})"
            )


def add_policy_versions(
    db: str | Path, policy: str, versions: Iterable[NewVersion], title: str | None = None
) -> list[VersionRecord]:
    """Register ``versions`` of ``policy`` in one transaction: all of them or none.

    A policy not yet registered is created, and then needs its ``title``.
    """
    now = datetime.now(UTC).replace(tzinfo=None)
    with open_session(db) as session:
        found = _find_policy(session, policy)
        if found is None:
            if not title:
                raise PolicyError(f"policy {policy!r} is not registered: give its title to add it")
            found = Policy(name=policy, title=title, created_at=now, versions=[])
            session.add(found)
        elif title and title != found.title:
            found.title = title
        added = []
        for new in versions:
            key = version_key(new.number)
            number = f"{key[0]}.{key[1]}"
            if not new.owner_role.strip():
                raise PolicyError(f"policy {policy!r} version {number}: owner role is empty")
            _check_order(found, number, new.effective)
            content = Path(new.file).read_bytes() if new.file is not None else None
            amendments = (new.amendments or "").strip() or None
            version = PolicyVersion(
                number=number,
                effective=new.effective,
                owner_role=new.owner_role.strip(),
                amendments=amendments,
                file_name=Path(new.file).name if new.file is not None else None,
                file_sha256=hashlib.sha256(content).hexdigest() if content is not None else None,
                file_content=content,
                created_at=now,
            )
            found.versions.append(version)
            added.append(version)
        session.commit()
        return [_record(found, version) for version in added]


def add_policy_version(
    db: str | Path,
    policy: str,
    number: str,
    effective: date,
    owner_role: str,
    amendments: str | None = None,
    file: Path | None = None,
    title: str | None = None,
) -> VersionRecord:
    """Register one version of ``policy`` (see :func:`add_policy_versions`)."""
    new = NewVersion(number, effective, owner_role, amendments, file)
    return add_policy_versions(db, policy, [new], title)[0]


def list_policies(db: str | Path) -> list[PolicySummary]:
    """Every registered policy with its latest version, by name."""
    with open_session(db) as session:
        policies = session.scalars(
            select(Policy).options(selectinload(Policy.versions)).order_by(Policy.name)
        ).all()
        summaries = []
        for policy in policies:
            ordered = sorted(policy.versions, key=lambda v: version_key(v.number))
            latest = ordered[-1] if ordered else None
            summaries.append(
                PolicySummary(
                    name=policy.name,
                    title=policy.title,
                    versions=len(ordered),
                    latest=latest.number if latest else None,
                    latest_effective=latest.effective if latest else None,
                )
            )
        return summaries


def policy_title(db: str | Path, policy: str) -> str:
    """The title of a registered policy."""
    with open_session(db) as session:
        found = _find_policy(session, policy)
        if found is None:
            raise PolicyError(f"policy {policy!r} is not registered")
        return found.title


def policy_history(db: str | Path, policy: str) -> list[VersionRecord]:
    """Every version of ``policy``, oldest first."""
    with open_session(db) as session:
        found = _find_policy(session, policy)
        if found is None:
            raise PolicyError(f"policy {policy!r} is not registered")
        ordered = sorted(found.versions, key=lambda v: version_key(v.number))
        return [_record(found, version) for version in ordered]


def version_file(db: str | Path, policy: str, number: str) -> bytes:
    """The file stored with a version (an error if it was registered without one)."""
    with open_session(db) as session:
        found = _find_policy(session, policy)
        if found is None:
            raise PolicyError(f"policy {policy!r} is not registered")
        for version in found.versions:
            if version.number == number:
                if version.file_content is None:
                    raise PolicyError(f"policy {policy!r} version {number} has no file")
                return version.file_content
        raise PolicyError(f"policy {policy!r} has no version {number}")
