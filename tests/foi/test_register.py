"""The register on SQLite and PostgreSQL: a request from receipt to ICO, and refused steps."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from foidesk.db import alembic_config, make_engine
from foidesk.foi.register import (
    Actor,
    Exemption,
    Register,
    RequestNotFound,
    TransitionError,
)

REF = "01.FOI.24.035331"
REVIEWER = Actor("rita", "reviewer")
TODAY = date(2024, 12, 31)

S31 = Exemption(
    section="s31",
    subsection="(1)(a) and (b)",
    applies_to="the full domestic abuse policy",
    harm="Publishing the tactics in full would let offenders anticipate the response.",
    factors_for=["Transparency about how domestic abuse is recorded."],
    factors_against=["Offenders could adapt to the force's tactics."],
    balance="The balance favours withholding the tactical sections.",
)


@pytest.fixture
def register(register_db: str) -> Register:
    with Register(register_db, today=lambda: TODAY, migrate=True) as reg:
        yield reg


def _new(register: Register, received: date = date(2024, 4, 22)) -> None:
    register.new_request(
        REF,
        received,
        "Statistics on controlling or coercive behaviour.",
        ["Counts per year.", "The recording policy."],
        "email",
        "requester@example.org",
        "olly",
        title="Controlling or coercive behaviour",
    )


def test_migrations_create_every_register_table(register: Register) -> None:
    tables = set(sa.inspect(register.engine).get_table_names())
    assert {"foi_requests", "foi_parts", "foi_exemptions", "foi_audit"} <= tables
    with register.engine.connect() as con:
        heads = {row[0] for row in con.execute(sa.text("SELECT version_num FROM alembic_version"))}
    # The foi branch is at its head, whatever that head is now.
    url = register.engine.url.render_as_string(hide_password=False)
    scripts = ScriptDirectory.from_config(alembic_config(url))
    foi_heads = {h for h in scripts.get_heads() if h.startswith("foi_")}
    assert foi_heads and foi_heads <= heads
    assert "foi_personal_data_reviews" in tables


def test_a_request_from_receipt_to_response(register: Register) -> None:
    _new(register)
    assert register.status(REF) == "received"
    register.clarify(REF, date(2024, 4, 24), "Which years do you mean?", "olly")
    assert register.status(REF) == "awaiting clarification"
    register.answer_clarification(REF, date(2024, 4, 29), "2015 to date.", "olly")
    # Clarified Mon 29 Apr 2024: day 1 Tue 30 Apr; May Day (6 May) and the Spring Bank
    # Holiday (27 May) are skipped, so day 20 is Wed 29 May.
    assert register.deadline(REF).due == date(2024, 5, 29)
    register.decide(REF, 1, "disclosed", [], "olly", summary="Table 1.")
    register.decide(REF, 2, "partly disclosed", [S31], "olly")
    assert register.status(REF) == "in progress"
    register.submit_for_approval(REF, "olly")
    assert register.status(REF) == "awaiting approval"
    register.approve(REF, REVIEWER, fingerprint=register.fingerprint(REF))
    attachments = [{"title": "Tables", "file": "tables.xlsx", "sha256": "ab" * 32}]
    request = register.respond(REF, date(2024, 5, 28), attachments, "olly")
    assert request.status == "responded"
    assert request.attachments == attachments
    assert [p.decision for p in request.parts] == ["disclosed", "partly disclosed"]
    assert request.parts[1].exemptions[0].factors_against == [
        "Offenders could adapt to the force's tactics."
    ]
    register.internal_review(REF, date(2024, 6, 3), "olly")
    assert register.status(REF) == "under internal review"
    # Requested Mon 3 Jun 2024; no bank holiday until 12 July (NI), so day 20 is Mon 1 Jul.
    assert register.review_deadline(REF).due == date(2024, 7, 1)
    register.decide_review(REF, date(2024, 6, 20), "Original decision upheld.", REVIEWER)
    register.ico_appeal(REF, date(2024, 7, 1), "olly", ico_reference="IC-123")
    assert register.status(REF) == "at ICO"
    register.ico_decision(REF, date(2024, 11, 1), "Complaint not upheld.", "olly")
    assert register.status(REF) == "responded"
    assert [r.reference for r in register.list_requests("responded")] == [REF]
    assert register.list_requests("awaiting approval") == []


def test_audit_trail_records_who_changed_what(register: Register) -> None:
    _new(register)
    register.decide(REF, 1, "not held", [], Actor("ann", "officer"), not_held="Court data.")
    register.decide(REF, 1, "disclosed", [], "olly")
    register.add_cost_line(REF, "extract", "read each report", 10, 3, Actor("ana", "analyst"))
    trail = register.audit_trail(REF)
    changes = [
        (e.actor, e.role, e.field, e.old, e.new)
        for e in trail
        if e.action == "decision" and e.field == "part 1 decision"
    ]
    assert changes == [
        ("ann", "officer", "part 1 decision", None, "not held"),
        ("olly", "officer", "part 1 decision", "not held", "disclosed"),
    ]
    assert [(e.actor, e.role) for e in trail if e.action == "cost line"] == [("ana", "analyst")]
    contact = [e for e in trail if e.field == "requester_contact"]
    assert contact[0].new == "(recorded)"  # the trail never repeats the contact itself


def test_public_view_leaves_out_the_requester(register: Register) -> None:
    _new(register)
    with pytest.raises(TransitionError, match="not been responded"):
        register.public_view(REF)
    view = register.public_view(REF, require_response=False)
    assert "requester@example.org" not in repr(view)
    assert view["parts"][1]["text"] == "The recording policy."


def test_impossible_steps_say_what_is_missing(register: Register) -> None:
    _new(register)
    with pytest.raises(TransitionError, match="is 'received': 'respond' cannot happen now"):
        register.respond(REF, date(2024, 5, 1), [], "olly")
    with pytest.raises(TransitionError, match="'record the answer' cannot happen now"):
        register.answer_clarification(REF, date(2024, 4, 30), "yes", "olly")
    with pytest.raises(TransitionError, match="is 'received': 'submit' cannot happen now"):
        register.submit_for_approval(REF, "olly")
    with pytest.raises(TransitionError, match="public interest test needs factors favouring"):
        register.decide(REF, 2, "withheld", [Exemption("s31", "(1)(a)", harm="h")], "olly")
    # A refusal without its exemption may be drafted, but not submitted.
    register.decide(REF, 1, "disclosed", [], "olly")
    register.decide(REF, 2, "withheld", [], "olly")
    with pytest.raises(TransitionError, match="part 2 is 'withheld': name the exemption"):
        register.submit_for_approval(REF, "olly")
    register.decide(REF, 2, "withheld", [S31], "olly")
    with pytest.raises(TransitionError, match="is 'in progress': 'respond' cannot happen now"):
        register.respond(REF, date(2024, 5, 1), [], "olly")
    with pytest.raises(TransitionError, match="in the future"):
        register.clarify(REF, date(2025, 1, 2), "?", "olly")
    with pytest.raises(TransitionError, match="before 2024-04-22"):
        register.clarify(REF, date(2024, 4, 1), "?", "olly")
    with pytest.raises(TransitionError, match="already in the register"):
        _new(register)
    with pytest.raises(RequestNotFound):
        register.get("01.FOI.24.000000")


def test_approval_needs_a_reviewer_who_did_not_submit(register: Register) -> None:
    _new(register)
    register.decide(REF, 1, "disclosed", [], "olly")
    register.decide(REF, 2, "not held", [], "olly", not_held="No policy was ever written.")
    register.submit_for_approval(REF, "rita")
    seen = register.fingerprint(REF)
    with pytest.raises(TransitionError, match="holds the role officer: 'approve' needs reviewer"):
        register.approve(REF, "olly", fingerprint=seen)
    with pytest.raises(TransitionError, match="a reviewer who took no part must approve"):
        register.approve(REF, REVIEWER, fingerprint=seen)
    register.approve(REF, Actor("ravi", "reviewer"), fingerprint=seen)
    # A changed decision withdraws the approval: the reviewer signed off something else.
    register.decide(REF, 2, "disclosed", [], "olly")
    assert register.status(REF) == "in progress"


def test_fee_pause_and_extension_move_the_deadline(register: Register) -> None:
    _new(register, received=date(2024, 6, 3))
    # Received Mon 3 Jun 2024: day 20 is Mon 1 Jul.
    assert register.deadline(REF).due == date(2024, 7, 1)
    register.fee_notice(REF, date(2024, 6, 10), 30, "olly")
    assert register.status(REF) == "awaiting fee"
    assert register.deadline(REF).due is None
    register.fee_paid(REF, date(2024, 6, 14), "olly")
    # Mon 10 to Fri 14 Jun (5 working days) do not count: Mon 1 Jul + 5 = Mon 8 Jul.
    assert register.deadline(REF).due == date(2024, 7, 8)
    with pytest.raises(TransitionError, match="absolute"):
        register.extend(REF, "s40", date(2024, 8, 1), "olly", notified_on=date(2024, 7, 1))
    # 5 August 2024 is Scotland's Summer Bank Holiday: such a date needs an override.
    with pytest.raises(TransitionError, match="not a working day .*give an override reason"):
        register.extend(REF, "s31", date(2024, 8, 5), "olly", notified_on=date(2024, 7, 1))
    register.extend(
        REF,
        "s31",
        date(2024, 8, 5),
        "olly",
        notified_on=date(2024, 7, 1),
        override="The requester agreed the date by email.",
    )
    trail = [e for e in register.audit_trail(REF) if e.field == "override"]
    assert trail[0].new.endswith("The requester agreed the date by email.")
    deadline = register.deadline(REF)
    assert (deadline.due, deadline.statutory_due) == (date(2024, 8, 5), date(2024, 7, 8))
    # Tue 9 Jul to Mon 5 Aug counts 18 working days: 12 July is a Northern Ireland bank
    # holiday and 5 August 2024 is Scotland's Summer Bank Holiday. Within the ICO's 20, but
    # the chosen date is itself not a working day, which the deadline points out.
    assert "18 further working days" in deadline.explanation[-1]
    assert deadline.warnings == [
        "the extended date Mon 2024-08-05 is not a working day "
        "(bank holiday: Summer Bank Holiday (Scotland))"
    ]


def test_references_follow_the_configured_pattern(register_db: str, tmp_path) -> None:
    with Register(register_db, reference_pattern=r"FOI-\d{4}", migrate=True) as reg:
        with pytest.raises(ValueError, match="does not match"):
            reg.new_request(REF, date(2024, 1, 2), "t", [], "email", "", "olly")
        request = reg.new_request("FOI-0001", date(2024, 1, 2), "Whole text.", [], "post", "", "o")
    assert [p.text for p in request.parts] == ["Whole text."]


def test_migrations_are_idempotent(register_db: str) -> None:
    Register(register_db, migrate=True).close()
    with Register(register_db, migrate=True) as reg:
        assert reg.list_requests() == []
    engine = make_engine(register_db)
    with engine.connect() as con:
        assert con.execute(sa.text("SELECT count(*) FROM foi_requests")).scalar() == 0
    engine.dispose()


def test_the_foi_branch_downgrades_and_upgrades_again(register_db: str) -> None:
    from alembic import command

    from foidesk.db import alembic_config, upgrade

    upgrade(register_db)
    command.downgrade(alembic_config(register_db), "foi@base")
    engine = make_engine(register_db)
    assert not any(t.startswith("foi_") for t in sa.inspect(engine).get_table_names())
    upgrade(register_db)
    columns = {c["name"] for c in sa.inspect(engine).get_columns("foi_parts")}
    assert {"not_held", "decision", "summary"} <= columns
    engine.dispose()
