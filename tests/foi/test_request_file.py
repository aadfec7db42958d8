"""Request files in and out of the register: the seed, a round trip, and bad files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from foidesk.foi.register import Register, RequestNotFound
from foidesk.foi.request_file import (
    AlreadyInRegister,
    RequestFileError,
    export_request_file,
    import_request_file,
)

SEED = Path(__file__).parents[2] / "examples" / "requests" / "01.FOI.24.035331.yaml"
REF = "01.FOI.24.035331"


def test_the_seed_imports_as_answered(register_db: str) -> None:
    with Register(register_db, migrate=True) as register:
        assert import_request_file(SEED, register) == REF
        request = register.get(REF)
        assert request.status == "responded"
        assert [p.decision for p in request.parts] == [
            "partly disclosed",
            "disclosed",
            "disclosed",
            "partly disclosed",
            "partly disclosed",
        ]
        s12 = request.parts[0].exemptions[0]
        # The s12 reason is the worksheet's paragraph: 90,000 records x 3 min = 4,500 hours.
        assert "90,000 records at 3 minutes each, 4,500 hours" in s12.reason
        assert "£112,500.00, which exceeds the appropriate limit" in s12.reason
        s31 = request.parts[4].exemptions[0]
        assert (s31.section, s31.subsection, s31.absolute) == ("s31", "(1)(a) and (b)", False)
        assert len(s31.factors_for) == 2 and len(s31.factors_against) == 3
        assert "Ministry of Justice" in request.parts[3].not_held
        # Clarified Thu 2 May 2024: day 1 Fri 3 May, 6 and 27 May are bank holidays, so
        # day 20 is Mon 3 Jun, the day the response went out.
        deadline = register.deadline(REF)
        assert deadline.due == date(2024, 6, 3) == request.responded_on
        assert request.approved_by == "disclosure.reviewer"
        # Importing again is refused and leaves the register as it was.
        trail = len(register.audit_trail(REF))
        with pytest.raises(AlreadyInRegister, match="is already in the register"):
            import_request_file(SEED, register)
        assert len(register.audit_trail(REF)) == trail


def test_records_from_the_store(tmp_path: Path, crime_store: Path) -> None:
    # The store holds four domestic abuse crimes recorded in 2023: 12 minutes of reading,
    # far inside the limit, so the seed's s12 refusal cannot stand on this store.
    with Register(tmp_path / "r.sqlite", migrate=True) as register:
        with pytest.raises(
            RequestFileError,
            match=r"s12 is relied on but the estimate \(0.2 hours, £5.00\) is within the £450",
        ):
            import_request_file(SEED, register, store=crime_store)
        assert not register.exists(REF)
        with pytest.raises(RequestFileError, match="none.duckdb: no store here"):
            import_request_file(SEED, register, store=tmp_path / "none.duckdb")
        unanswered = _broken(tmp_path, lambda d: d.pop("response"))
        import_request_file(unanswered, register, store=crime_store)
        estimate = register.cost_estimate(REF)
        assert [i.records for i in estimate.items] == [4]
        assert estimate.minutes == 12
        assert register.status(REF) == "in progress"


def test_export_and_import_round_trip(tmp_path: Path) -> None:
    with Register(tmp_path / "a.sqlite", migrate=True) as first:
        import_request_file(SEED, first)
        exported = export_request_file(first, REF, tmp_path / "exported.yaml")
    data = yaml.safe_load(exported.read_text(encoding="utf-8"))
    assert "requester_contact" not in data
    assert data["decisions"][4]["exemptions"][0]["public_interest"]["balance"].startswith(
        "The policy's aims"
    )
    with Register(tmp_path / "b.sqlite", migrate=True) as second:
        import_request_file(exported, second)
        again = second.get(REF)
    with Register(tmp_path / "a.sqlite", migrate=True) as first:
        original = first.get(REF)
    assert [(p.decision, p.summary, p.not_held) for p in again.parts] == [
        (p.decision, p.summary, p.not_held) for p in original.parts
    ]
    assert again.parts[4].exemptions[0].harm == original.parts[4].exemptions[0].harm
    assert again.responded_on == original.responded_on


def _broken(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_bad_files_name_the_file_and_field(tmp_path: Path) -> None:
    with Register(tmp_path / "r.sqlite", migrate=True) as register:
        path = _broken(tmp_path, lambda d: d.pop("received"))
        with pytest.raises(RequestFileError, match=r"broken.yaml: received: Field required"):
            import_request_file(path, register)
        path = _broken(tmp_path, lambda d: d["clarification"].pop("question"))
        with pytest.raises(
            RequestFileError, match=r"broken.yaml: line \d+: clarification.question: Field required"
        ):
            import_request_file(path, register)
        # Nothing half-imported is left behind, not even a trail: the import was rolled back.
        assert not register.exists(REF)
        with pytest.raises(RequestNotFound):
            register.audit_trail(REF)
        path = _broken(
            tmp_path, lambda d: d["decisions"][4]["exemptions"][0].pop("public_interest")
        )
        with pytest.raises(RequestFileError, match="qualified exemption: the public interest"):
            import_request_file(path, register)
        path = _broken(
            tmp_path, lambda d: d["cost_estimate"]["activities"][0].update(activity="redact")
        )
        with pytest.raises(RequestFileError, match="broken.yaml: cost activity 'redact'"):
            import_request_file(path, register)
