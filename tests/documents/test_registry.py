"""The policy registry on SQLite and PostgreSQL: versions, history and their rules."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest

from foidesk.documents.registry import (
    NewVersion,
    PolicyError,
    add_policy_version,
    add_policy_versions,
    list_policies,
    policy_history,
    version_file,
    version_key,
)


def test_versions_come_back_in_number_order(register_db: str, tmp_path: Path) -> None:
    policy_file = tmp_path / "v12.1.pdf"
    policy_file.write_bytes(b"%PDF-1.7 illustrative")
    add_policy_version(
        register_db,
        "domestic-abuse",
        "12.1",
        date(2024, 4, 1),
        "Commander",
        "Minor amendments",
        policy_file,
        title="Domestic Abuse Policy",
    )
    add_policy_version(register_db, "domestic-abuse", "9.1", date(2020, 6, 1), "DCS")
    add_policy_version(register_db, "domestic-abuse", "12.0", date(2023, 11, 1), "Commander", "x")

    history = policy_history(register_db, "domestic-abuse")

    assert [v.number for v in history] == ["9.1", "12.0", "12.1"]
    assert history[0].amendments is None  # not recorded, not an empty summary
    assert history[2].file_name == "v12.1.pdf"
    assert history[2].file_sha256 == hashlib.sha256(b"%PDF-1.7 illustrative").hexdigest()
    assert version_file(register_db, "domestic-abuse", "12.1") == b"%PDF-1.7 illustrative"
    [summary] = list_policies(register_db)
    assert (summary.latest, summary.latest_effective, summary.versions) == (
        "12.1",
        date(2024, 4, 1),
        3,
    )


def test_a_version_out_of_date_order_is_refused(register_db: str) -> None:
    add_policy_version(
        register_db, "stalking", "2.0", date(2022, 1, 1), "DCS", "y", title="Stalking Policy"
    )
    with pytest.raises(PolicyError, match="before earlier version 2.0"):
        add_policy_version(register_db, "stalking", "2.1", date(2021, 1, 1), "DCS")
    with pytest.raises(PolicyError, match="already has version 2.0"):
        add_policy_version(register_db, "stalking", "2.0", date(2022, 1, 1), "DCS")
    assert [v.number for v in policy_history(register_db, "stalking")] == ["2.0"]


def test_several_versions_are_registered_all_or_none(register_db: str) -> None:
    versions = [
        NewVersion("1.0", date(2020, 1, 1), "DCS"),
        NewVersion("1.1", date(2021, 1, 1), "DCS", "Reviewed."),
        NewVersion("1.2", date(2019, 1, 1), "DCS", "Out of order."),
    ]
    with pytest.raises(PolicyError, match="version 1.2 takes effect 2019-01-01, before"):
        add_policy_versions(register_db, "missing-persons", versions, title="Missing Persons")
    assert list_policies(register_db) == []

    added = add_policy_versions(register_db, "missing-persons", versions[:2], title="Missing")
    assert [(v.number, v.amendments) for v in added] == [("1.0", None), ("1.1", "Reviewed.")]


def test_a_new_policy_needs_a_title(register_db: str) -> None:
    with pytest.raises(PolicyError, match="give its title"):
        add_policy_version(register_db, "missing-persons", "1.0", date(2024, 1, 1), "DCS")


def test_version_numbers_sort_numerically() -> None:
    assert sorted(["9.10", "10.0", "9.2"], key=version_key) == ["9.2", "9.10", "10.0"]
    with pytest.raises(PolicyError, match="MAJOR.MINOR"):
        version_key("v12")
