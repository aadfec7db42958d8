"""Regulation 5: requests aggregated for the s12 estimate, in the register and end to end
through the command line."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from foidesk.cli import app
from foidesk.db import open_session, upgrade
from foidesk.foi import repeats
from foidesk.foi.accounts import add_user, issue_token
from foidesk.foi.register import Actor, Exemption, Register, TransitionError, aggregation_span

runner = CliRunner()
OLLY = Actor("olly", "officer")
RITA = Actor("rita", "reviewer")
FIRST, SECOND, LATE, OTHER = (
    "01.FOI.24.000601",
    "01.FOI.24.000602",
    "01.FOI.24.000603",
    "01.FOI.24.000604",
)
ASKED = "How many stop and search records from 2023 mention drones?"
ASKED_AGAIN = "Please tell me how many 2023 stop and search records mention drones, by month."
SAM = "sam@example.org"


def test_sixty_consecutive_working_days_count_both_ends() -> None:
    # Mon 3 June 2024 is day 1; skipping 12 July (Northern Ireland), 5 August (Scotland)
    # and 26 August (the rest of the UK), day 60 is Wed 28 August.
    assert aggregation_span([date(2024, 6, 3), date(2024, 8, 28)]) == 60
    assert aggregation_span([date(2024, 6, 3), date(2024, 8, 29)]) == 61
    # A request received on a Saturday counts from the Monday.
    assert aggregation_span([date(2024, 6, 1), date(2024, 6, 3)]) == 1


@pytest.fixture
def register(register_db: str) -> Register:
    with Register(register_db, today=lambda: date(2024, 12, 31), migrate=True) as reg:
        reg.new_request(FIRST, date(2024, 6, 3), ASKED, [], "email", SAM, OLLY)
        reg.new_request(SECOND, date(2024, 6, 17), ASKED_AGAIN, [], "email", SAM.upper(), OLLY)
        reg.new_request(LATE, date(2024, 9, 12), ASKED, [], "email", SAM, OLLY)
        reg.new_request(OTHER, date(2024, 6, 18), "Police horses.", [], "email", "kim@x.org", OLLY)
        for reference in (FIRST, SECOND):
            # 300 records at 2 minutes: 10 hours, £250, each within the £450 limit alone.
            reg.add_cost_line(reference, "extract", "read each record", 300, 2, OLLY)
        yield reg


def test_the_register_links_sums_and_cites_regulation_5(register: Register) -> None:
    suggested = repeats.aggregation_candidates(register, SECOND)
    # The same requester's like request is suggested; the one 60 working days away is not,
    # and another requester's request on another subject is not.
    assert [(c.reference, c.same_requester, c.kind) for c in suggested] == [
        (FIRST, True, "similar")
    ]
    alone = register.cost_estimate(SECOND)
    assert (alone.cost, alone.exceeds_limit) == (Decimal("250.00"), False)
    register.aggregate(SECOND, [FIRST], "Sam asks for the same figures twice.", OLLY)
    for reference, other in ((SECOND, FIRST), (FIRST, SECOND)):
        estimate = register.cost_estimate(reference)
        assert estimate.aggregated_with == (other,)
        assert (estimate.hours, estimate.cost, estimate.limit) == (
            Decimal("20.00"),
            Decimal("500.00"),
            Decimal("450"),
        )
        assert estimate.exceeds_limit
        paragraph = estimate.s12_paragraph()
        assert f"aggregated with request {other}" in paragraph
        assert "regulation 5 of the Freedom of Information and Data Protection" in paragraph
    trail = [e for e in register.audit_trail(FIRST) if e.action == "aggregated (regulation 5)"]
    assert {(e.field, e.new) for e in trail} == {
        ("with", SECOND),
        ("reason", "Sam asks for the same figures twice."),
    }
    # Once linked, it is no longer suggested.
    assert repeats.aggregation_candidates(register, SECOND) == []


def test_a_s12_refusal_stands_only_on_the_aggregated_estimate(register: Register) -> None:
    s12 = Exemption("s12", reason="Over the limit.")
    register.decide(SECOND, 1, "refused", [s12], OLLY)
    assert any("within the £450 limit" in p for p in register.s17_problems(SECOND))
    register.aggregate(SECOND, [FIRST], "The same requester, the same figures.", OLLY)
    assert register.s17_problems(SECOND) == []


def test_requests_beyond_60_working_days_are_not_aggregated(register: Register) -> None:
    with pytest.raises(TransitionError, match="span 61 working days") as refused:
        register.aggregate(SECOND, [LATE], "The same requester.", OLLY)
    # 17 June to 12 September 2024, both counted: 10 working days in June, 22 in July
    # (less 12 July), 20 in August (less 5 and 26 August) and 9 in September.
    assert f"{SECOND} (received 2024-06-17) and {LATE}" in str(refused.value)
    assert register.get(SECOND).aggregations == []
    # A link that would stretch the group past 60 days is refused as well.
    register.aggregate(SECOND, [FIRST], "The same requester.", OLLY)
    with pytest.raises(TransitionError, match=f"{FIRST} .* and {LATE}"):
        register.aggregate(SECOND, [OTHER, LATE], "Acting together.", OLLY)
    assert [a.other_reference for a in register.get(SECOND).aggregations] == [FIRST]


def test_an_answered_request_or_itself_is_refused(register: Register) -> None:
    with pytest.raises(TransitionError, match="cannot be aggregated with itself"):
        register.aggregate(SECOND, [SECOND], "x", OLLY)
    with pytest.raises(TransitionError, match="no request '01.FOI.24.000699'"):
        register.aggregate(SECOND, ["01.FOI.24.000699"], "x", OLLY)
    with pytest.raises(ValueError, match="say why"):
        register.aggregate(SECOND, [FIRST], " ", OLLY)
    register.decide(FIRST, 1, "disclosed", [], OLLY, summary="12.")
    register.submit_for_approval(FIRST, OLLY)
    register.approve(FIRST, RITA, fingerprint=register.fingerprint(FIRST))
    register.respond(FIRST, date(2024, 6, 28), [], OLLY)
    with pytest.raises(TransitionError, match=f"{FIRST} is 'responded'"):
        register.aggregate(SECOND, [FIRST], "The same requester.", OLLY)


def test_aggregating_withdraws_the_other_requests_approval(register: Register) -> None:
    register.decide(FIRST, 1, "disclosed", [], OLLY, summary="12.")
    register.submit_for_approval(FIRST, OLLY)
    register.approve(FIRST, RITA, fingerprint=register.fingerprint(FIRST))
    approved = register.fingerprint(FIRST)
    register.aggregate(SECOND, [FIRST], "The same requester.", OLLY)
    first = register.get(FIRST)
    # Its estimate changed, so the reviewer must see it again.
    assert (first.status, first.approved_by) == ("in progress", None)
    assert register.fingerprint(FIRST) != approved


# -- end to end through the command line ---------------------------------------------------------


def _cli(token: str, *args: str) -> str:
    result = runner.invoke(app, list(args), env={"FOIDESK_TOKEN": token})
    assert result.exit_code == 0, result.output
    return result.output


def test_regulation_5_end_to_end_through_the_command_line(tmp_path: Path) -> None:
    db = str(tmp_path / "register.sqlite")
    upgrade(db)
    with open_session(db) as session:
        add_user(session, "olly", ["officer"], "a long enough passphrase")
        add_user(session, "rita", ["reviewer"], "another long passphrase")
        olly = issue_token(session, "olly", "a long enough passphrase")
        rita = issue_token(session, "rita", "another long passphrase")
    for reference, day, text in (
        (FIRST, "2024-06-03", ASKED),
        (SECOND, "2024-06-17", ASKED_AGAIN),
        (LATE, "2024-09-12", ASKED),
    ):
        _cli(olly, "request", "new", reference, "--received", day, "--text", text,
             "--contact", SAM, "--title", "Drones in stop and search", "--db", db)  # fmt: skip
    for reference in (FIRST, SECOND):
        _cli(olly, "request", "cost", reference, "--activity", "extract", "--description",
             "read each record", "--records", "300", "--minutes", "2", "--db", db)  # fmt: skip
    suggested = _cli(olly, "request", "repeats", SECOND, "--db", db)
    assert f"may aggregate (regulation 5) with {FIRST}: the same requester, similar" in suggested
    assert LATE not in suggested.split("may aggregate", 1)[1]

    late = runner.invoke(
        app,
        ["request", "aggregate", SECOND, "--with", LATE, "--reason", "Same requester.",
         "--db", db],
        env={"FOIDESK_TOKEN": olly},
    )  # fmt: skip
    assert late.exit_code == 3  # refused
    assert "span 61 working days" in late.output

    linked = _cli(olly, "request", "aggregate", SECOND, "--with", FIRST, "--reason",
                  "Sam asks for the same figures twice.", "--db", db)  # fmt: skip
    assert f"{SECOND}: aggregated with {FIRST}; estimate £500.00 against the £450 limit" in linked
    shown = _cli(olly, "request", "show", SECOND, "--db", db)
    assert f"aggregated with {FIRST} (regulation 5" in shown

    exemptions = tmp_path / "s12.yaml"
    exemptions.write_text(
        yaml.safe_dump([{"section": "s12", "reason": "Every record must be read."}]),
        encoding="utf-8",
    )
    _cli(olly, "request", "decide", SECOND, "--part", "1", "--decision", "refused",
         "--exemptions", str(exemptions), "--db", db)  # fmt: skip
    _cli(olly, "request", "advise", SECOND, "--advice", "Ask about one month.", "--db", db)
    _cli(olly, "request", "submit", SECOND, "--db", db)
    fingerprint = _cli(rita, "request", "show", SECOND, "--db", db).split("fingerprint: ")[1][:64]
    _cli(rita, "request", "approve", SECOND, "--fingerprint", fingerprint, "--db", db)
    _cli(olly, "request", "respond", SECOND, "--on", "2024-07-01", "--db", db)

    exported = tmp_path / "second.yaml"
    _cli(olly, "request", "export", SECOND, str(exported), "--db", db)
    out = tmp_path / "letter"
    _cli(olly, "request", "letter", str(exported), "--out", str(out), "--db", db)
    letter = (out / "response.html").read_text(encoding="utf-8")
    assert "regulation 5" in letter
    assert f"aggregated with request {FIRST}" in letter
    assert "Fees) Regulations 2004" in letter
