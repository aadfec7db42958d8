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
S12_FILE = Path(__file__).parent / "data" / "s12_separation.yaml"
S12_REF = "01.FOI.24.000612"


def test_the_seed_imports_as_answered(register_db: str) -> None:
    with Register(register_db, migrate=True) as register:
        assert import_request_file(SEED, register) == REF
        request = register.get(REF)
        assert request.status == "responded"
        # As the Met's letter: no cost refusal (the requester accepted the how-known codes
        # at clarification), so no worksheet; only the policy relies on an exemption here
        # (the [c] cells add s40(2) when the answer is imported with it).
        assert [p.decision for p in request.parts] == [
            "disclosed",
            "disclosed",
            "disclosed",
            "partly disclosed",
            "partly disclosed",
        ]
        assert [[e.section for e in p.exemptions] for p in request.parts] == [
            [], [], [], [], ["s31"],
        ]  # fmt: skip
        assert request.cost_lines == []
        assert [p.tables for p in request.parts] == [
            ["table_1"], ["table_2", "table_6"], ["table_3", "table_4"], ["table_5"], [],
        ]  # fmt: skip
        assert "Ministry of Justice" in request.parts[3].held_by
        s31 = request.parts[4].exemptions[0]
        assert (s31.section, s31.subsection, s31.absolute) == ("s31", "(1)(a) and (b)", False)
        assert len(s31.factors_for) == 2 and len(s31.factors_against) == 3
        assert "not held" in request.parts[3].not_held
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
    # The store holds three controlling or coercive behaviour crimes flagged as domestic
    # abuse and recorded in 2023: 9 minutes of reading, far inside the limit, so the s12
    # refusal cannot stand on this store.
    with Register(tmp_path / "r.sqlite", migrate=True) as register:
        with pytest.raises(
            RequestFileError,
            match=r"part 1 relies on s12 but the estimate \(0.15 hours, £3.75\) is within the "
            "£450 limit",
        ):
            import_request_file(S12_FILE, register, store=crime_store)
        assert not register.exists(S12_REF)
        with pytest.raises(RequestFileError, match="none.duckdb: no store here"):
            import_request_file(S12_FILE, register, store=tmp_path / "none.duckdb")
        unanswered = _broken(tmp_path, lambda d: d.pop("response"), S12_FILE)
        import_request_file(unanswered, register, store=crime_store)
        estimate = register.cost_estimate(S12_REF)
        assert [i.records for i in estimate.items] == [3]
        assert estimate.minutes == 9
        assert register.status(S12_REF) == "in progress"


def test_a_s12_refusal_takes_its_estimate_from_the_worksheet(tmp_path: Path) -> None:
    with Register(tmp_path / "r.sqlite", migrate=True) as register:
        import_request_file(S12_FILE, register)
        request = register.get(S12_REF)
        s12 = request.parts[0].exemptions[0]
        # No paragraph stands in for the figures: the letter writes them from the lines.
        assert s12.reason == ""
        paragraph = register.cost_estimate(S12_REF, 1).s12_paragraph()
        assert "9,000 records at 3 minutes each, 450 hours" in paragraph
        assert "£11,250.00, which exceeds the appropriate limit" in paragraph


def test_an_estimate_counts_the_records_of_the_part_it_refuses(tmp_path: Path) -> None:
    # The first seed's estimate read every domestic abuse crime of 2023 while the part it
    # refused covered controlling or coercive behaviour only.
    wider = _broken(
        tmp_path,
        lambda d: d["cost_estimate"]["activities"][0]["records_from"].update(
            offence_groups=["Controlling or coercive behaviour", "Stalking", "Harassment"]
        ),
        S12_FILE,
    )
    longer = _broken(
        tmp_path,
        lambda d: d["cost_estimate"]["activities"][0]["records_from"].update(
            recorded={"from": "2022-01-01", "to": "2023-12-31"}
        ),
        S12_FILE,
        "longer.yaml",
    )
    with Register(tmp_path / "r.sqlite", migrate=True) as register:
        with pytest.raises(
            RequestFileError,
            match=r"broken.yaml: field 'cost_estimate.activities\[1\].records_from."
            r"offence_groups': Stalking, Harassment are outside part 1, whose tables "
            r"\(table_1\) count Controlling or coercive behaviour",
        ):
            import_request_file(wider, register)
        with pytest.raises(
            RequestFileError,
            match=r"longer.yaml: field 'cost_estimate.activities\[1\].records_from.recorded': "
            r"2022-01-01 to 2023-12-31 reaches outside part 1",
        ):
            import_request_file(longer, register)
        assert not register.exists(S12_REF)
        # A worksheet for another part supports no s12 refusal of this one.
        other = _broken(
            tmp_path,
            lambda d: (
                d["cost_estimate"]["activities"][0].update(part=2)
                or d["request"]["parts"].append({"number": 2, "text": "Stalking."})
                or d["decisions"].append({"part": 2, "decision": "disclosed"})
            ),
            S12_FILE,
            "other.yaml",
        )
        with pytest.raises(
            RequestFileError,
            match=r"part 1 relies on s12 but the cost estimate has no line for it \(its lines "
            r"are for part 2\)",
        ):
            import_request_file(other, register)


def test_summaries_do_not_describe_tables_by_hand(tmp_path: Path) -> None:
    path = _broken(
        tmp_path,
        lambda d: d["decisions"][0].update(summary="Table 1 counts crimes in 2023."),
    )
    with (
        Register(tmp_path / "r.sqlite", migrate=True) as register,
        pytest.raises(
            RequestFileError,
            match=r"field 'decisions\[1\].summary' describes 'Table 1' by hand",
        ),
    ):
        import_request_file(path, register)


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


def _broken(tmp_path: Path, change, source: Path = SEED, name: str = "broken.yaml") -> Path:
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / name
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
            tmp_path,
            lambda d: d["cost_estimate"]["activities"][0].update(activity="redact"),
            S12_FILE,
        )
        with pytest.raises(RequestFileError, match="broken.yaml: cost activity 'redact'"):
            import_request_file(path, register)
