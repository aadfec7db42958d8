"""The workflow table and the controls no one can talk past, on SQLite and PostgreSQL.

Each control was first tried the way someone would try to get round it; each test here
failed before the register read the workflow table.
"""

from __future__ import annotations

import contextlib
import threading
from datetime import date
from pathlib import Path

import pytest

from foidesk.foi import workflow
from foidesk.foi.register import Actor, Register, TransitionError
from foidesk.foi.request_file import import_request_file

REF = "01.FOI.24.000777"
OLLY = Actor("olly", "officer")
RITA = Actor("rita", "reviewer")
RAVI = Actor("ravi", "reviewer")
TODAY = date(2024, 12, 31)
SEED = Path(__file__).parents[2] / "examples" / "requests" / "01.FOI.24.035331.yaml"


@pytest.fixture
def register(register_db: str) -> Register:
    with Register(register_db, today=lambda: TODAY, migrate=True) as reg:
        yield reg


def _decided(register: Register) -> None:
    register.new_request(
        REF, date(2024, 6, 3), "Police dogs.", ["How many dogs?", "Their names."], "email", "", OLLY
    )
    register.decide(REF, 1, "disclosed", [], OLLY, summary="40 dogs.")
    register.decide(REF, 2, "not held", [], OLLY, not_held="Names are not recorded.")


def _approved(register: Register) -> None:
    _decided(register)
    register.submit_for_approval(REF, OLLY)
    register.approve(REF, RITA, fingerprint=register.fingerprint(REF))


# -- the table ---------------------------------------------------------------------------------


def test_every_step_names_a_role_a_status_it_leads_from_and_what_it_records() -> None:
    names = [s.name for s in workflow.STEPS]
    assert len(set(names)) == len(names)
    assert len({s.command for s in workflow.STEPS}) == len(names)
    for s in workflow.STEPS:
        assert set(s.roles) <= set(workflow.ROLES), s.name
        assert set(s.from_statuses) <= set(workflow.STATUSES), s.name
        assert s.to in (*workflow.STATUSES, ""), s.name
        assert s.records, s.name
    for needed in (
        "log", "acknowledge", "seek clarification", "record the answer", "fees notice",
        "fee paid", "cost estimate", "decide a part", "advice and assistance",
        "public interest extension", "submit", "approve", "respond", "publish", "withdraw",
        "transfer", "internal review requested", "internal review decided",
        "ICO complaint lodged", "ICO complaint decided", "decision-notice compliance",
        "tribunal appeal", "correct an entry",
    ):  # fmt: skip
        assert needed in workflow.BY_NAME


def test_allowed_steps_follow_status_role_and_guard(register: Register) -> None:
    _decided(register)
    record = register.get(REF)
    assert [s.name for s in workflow.allowed_steps(record, OLLY)] == [
        "acknowledge", "seek clarification", "fees notice", "cost estimate",
        "aggregate (regulation 5)", "decide a part", "advice and assistance",
        "public interest extension", "submit",
        "personal-data review", "withdraw", "transfer", "correct an entry",
    ]  # fmt: skip
    # The reviewer has nothing to do until it is submitted; the analyst only costs.
    assert workflow.allowed_steps(record, RITA) == []
    analyst = Actor("ana", "analyst")
    assert [s.name for s in workflow.allowed_steps(record, analyst)] == ["cost estimate"]
    register.submit_for_approval(REF, OLLY)
    record = register.get(REF)
    assert [s.name for s in workflow.allowed_steps(record, RITA)] == ["approve"]
    assert "submit" not in [s.name for s in workflow.allowed_steps(record, OLLY)]


# -- control 2: an import declares approvals, it does not fake them -----------------------------


def test_import_records_the_importer_and_the_declared_approvals(register: Register) -> None:
    importer = Actor("imogen", "officer")
    reference = import_request_file(SEED, register, importer=importer)
    trail = register.audit_trail(reference)
    # Nobody is recorded approving: the reviewer named in the file did not act here.
    assert [e for e in trail if e.action == "approved"] == []
    assert {e.actor for e in trail} == {"imogen"}
    declared = [e for e in trail if e.action == "imported; approvals declared in the file"]
    assert {(e.field, e.new) for e in declared} == {
        ("imported by", "imogen"),
        ("file", "01.FOI.24.035331.yaml"),
        ("submitted_by (declared)", "foi.officer"),
        ("approved_by (declared)", "disclosure.reviewer"),
    }
    assert register.status(reference) == "responded"


# -- control 3: separation of duties --------------------------------------------------------------


@pytest.mark.parametrize("contribution", ["decision", "cost line", "advice", "submission"])
def test_nobody_who_took_part_may_approve(register: Register, contribution: str) -> None:
    _decided(register)
    # Rita holds the reviewer role, but here she took part in the response herself.
    rita_as_officer = Actor("rita", "officer")
    if contribution == "decision":
        register.decide(REF, 1, "disclosed", [], rita_as_officer, summary="Forty dogs.")
    elif contribution == "cost line":
        register.add_cost_line(REF, "locate", "find the kennel list", 1, 10, rita_as_officer)
    elif contribution == "advice":
        register.advise(REF, "Ask the kennels.", rita_as_officer)
    register.submit_for_approval(REF, rita_as_officer if contribution == "submission" else OLLY)
    seen = register.fingerprint(REF)
    with pytest.raises(TransitionError, match="a reviewer who took no part must approve"):
        register.approve(REF, RITA, fingerprint=seen)
    assert register.get(REF).approved_by is None
    register.approve(REF, RAVI, fingerprint=seen)
    assert register.get(REF).approved_by == "ravi"


# -- control 4: approval is bound to what the reviewer saw --------------------------------------


def test_approval_is_refused_when_the_content_changed_since_review(register: Register) -> None:
    _decided(register)
    register.submit_for_approval(REF, OLLY)
    seen = register.fingerprint(REF)
    # While the reviewer reads, the officer changes the decision and submits again.
    register.decide(REF, 1, "withheld", [], OLLY)
    register.decide(REF, 1, "disclosed", [], OLLY, summary="41 dogs.")
    register.submit_for_approval(REF, OLLY)
    now = register.fingerprint(REF)
    assert now != seen
    with pytest.raises(TransitionError, match=f"changed since it was reviewed .*now {now[:12]}"):
        register.approve(REF, RITA, fingerprint=seen)
    assert register.status(REF) == "awaiting approval"
    approved = register.approve(REF, RITA, fingerprint=now)
    assert approved.approved_fingerprint == now


# -- control 5: any change after submission withdraws it -------------------------------------


@pytest.mark.parametrize(
    "change",
    ["clarification", "cost line", "advice", "decision", "fees notice"],
)
def test_a_change_after_approval_withdraws_submission_and_approval(
    register: Register, change: str
) -> None:
    _approved(register)
    if change == "clarification":
        register.clarify(REF, date(2024, 6, 10), "Which dogs?", OLLY)
    elif change == "cost line":
        register.add_cost_line(REF, "locate", "kennel list", 1, 10, OLLY)
    elif change == "advice":
        register.advise(REF, "Ask the kennels.", OLLY)
    elif change == "decision":
        register.decide(REF, 1, "disclosed", [], OLLY, summary="41 dogs.")
    else:
        register.fee_notice(REF, date(2024, 6, 10), 25, OLLY)
    record = register.get(REF)
    assert (record.submitted_by, record.approved_by, record.approved_fingerprint) == (None,) * 3
    assert record.status in ("in progress", "awaiting clarification", "awaiting fee")
    with pytest.raises(TransitionError, match="'respond' cannot happen now"):
        register.respond(REF, date(2024, 6, 20), [], OLLY)
    withdrawn = [e for e in register.audit_trail(REF) if e.action.startswith("submission and")]
    assert withdrawn[0].old == "rita"


def test_respond_refuses_while_a_clarification_is_open(register: Register) -> None:
    _approved(register)
    register.clarify(REF, date(2024, 6, 10), "Which dogs?", OLLY)
    # Answered, the officer tries to send it without a new review: refused.
    register.answer_clarification(REF, date(2024, 6, 12), "Working dogs.", OLLY)
    with pytest.raises(TransitionError, match="is 'in progress': 'respond' cannot happen now"):
        register.respond(REF, date(2024, 6, 20), [], OLLY)
    # The guard itself, independent of status: a request awaiting clarification.
    register.clarify(REF, date(2024, 6, 13), "Which years?", OLLY)
    why = workflow.refusal(register.get(REF), "respond", "olly", {"officer"})
    assert "awaiting clarification" in why


# -- control 6: a second approval or simultaneous publishes change nothing ------------------------


def test_approving_again_keeps_the_first_approval(register: Register) -> None:
    _approved(register)
    with pytest.raises(TransitionError, match="is 'approved': 'approve' cannot happen now"):
        register.approve(REF, RAVI, fingerprint=register.fingerprint(REF))
    assert register.get(REF).approved_by == "rita"
    approvals = [e for e in register.audit_trail(REF) if e.field == "approved_by"]
    assert [(e.actor, e.action) for e in approvals] == [("rita", "approved")]


def test_two_responses_at_the_same_moment_record_one(register_db: str) -> None:
    with Register(register_db, today=lambda: TODAY, migrate=True) as register:
        _approved(register)
    # Both read the approved request, then both write: the barrier makes them meet in the
    # middle of ``respond`` (it asks for today's date after loading, before writing).
    barrier = threading.Barrier(2, timeout=30)

    def today() -> date:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return TODAY

    outcomes: list[str] = []

    def respond(who: str) -> None:
        with Register(register_db, today=today, migrate=False) as racing:
            try:
                racing.respond(REF, date(2024, 6, 20), [], Actor(who, "officer"))
                outcomes.append("responded")
            except TransitionError as refused:
                outcomes.append(str(refused))

    threads = [threading.Thread(target=respond, args=(n,)) for n in ("olly", "omar")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes)[-1] == "responded"
    assert outcomes.count("responded") == 1, outcomes
    with Register(register_db, migrate=False) as register:
        trail = register.audit_trail(REF)
    assert len([e for e in trail if e.field == "responded_on"]) == 1


# -- the later steps ---------------------------------------------------------------------------


def test_withdrawal_and_transfer_close_a_request(register: Register) -> None:
    _decided(register)
    register.acknowledge(REF, date(2024, 6, 4), OLLY)
    with pytest.raises(TransitionError, match="acknowledged on 2024-06-04"):
        register.acknowledge(REF, date(2024, 6, 5), OLLY)
    register.withdraw(REF, date(2024, 6, 7), "The requester emailed to withdraw it.", OLLY)
    assert register.status(REF) == "withdrawn"
    with pytest.raises(TransitionError, match="is 'withdrawn': 'submit' cannot happen now"):
        register.submit_for_approval(REF, OLLY)
    other = "01.FOI.24.000778"
    register.new_request(other, date(2024, 6, 3), "Court data.", [], "email", "", OLLY)
    register.transfer(other, date(2024, 6, 5), "HM Courts and Tribunals Service", OLLY)
    assert register.status(other) == "transferred"
    assert register.get(other).transferred_to == "HM Courts and Tribunals Service"


def test_an_ico_decision_notice_is_complied_with_or_appealed(register: Register) -> None:
    _approved(register)
    register.respond(REF, date(2024, 6, 20), [], OLLY)
    register.ico_appeal(REF, date(2024, 7, 1), OLLY, ico_reference="IC-1")
    with pytest.raises(TransitionError, match="'decision-notice compliance' cannot happen now"):
        register.comply(REF, date(2024, 7, 2), OLLY)
    register.ico_decision(REF, date(2024, 10, 1), "Disclose the names.", OLLY)
    assert register.get(REF).appeals[0].compliance_days == 35
    register.tribunal_appeal(REF, date(2024, 10, 20), OLLY)
    assert register.status(REF) == "at tribunal"
    register.tribunal_decision(REF, date(2024, 12, 1), "Appeal dismissed.", OLLY)
    assert register.status(REF) == "responded"
    register.comply(REF, date(2024, 12, 10), OLLY)
    assert register.get(REF).appeals[0].complied_on == date(2024, 12, 10)
    with pytest.raises(TransitionError, match="no ICO decision notice is awaiting compliance"):
        register.comply(REF, date(2024, 12, 11), OLLY)


def test_the_date_of_receipt_is_corrected_with_a_reason(register: Register) -> None:
    _decided(register)
    with pytest.raises(ValueError, match="say why"):
        register.correct_received(REF, date(2024, 5, 31), " ", OLLY)
    register.correct_received(REF, date(2024, 5, 31), "Email arrived on the Friday.", OLLY)
    # Received Fri 31 May 2024: day 20 is Fri 28 Jun.
    assert register.deadline(REF).due == date(2024, 6, 28)
    entries = [e for e in register.audit_trail(REF) if e.action == "corrected"]
    assert [(e.field, e.old, e.new) for e in entries] == [
        ("received", "2024-06-03", "2024-05-31"),
        ("reason", None, "Email arrived on the Friday."),
    ]


def test_the_clock_is_stopped_while_a_clarification_is_open(register: Register) -> None:
    _decided(register)
    register.clarify(REF, date(2024, 6, 5), "Which dogs?", OLLY)
    deadline = register.deadline(REF)
    assert (deadline.due, deadline.stopped_since) == (None, date(2024, 6, 5))
    assert deadline.explanation[0].startswith("Clock stopped since 2024-06-05")


def test_the_workflow_doc_is_generated_from_the_table() -> None:
    page = (Path(__file__).parents[2] / "docs" / "register.md").read_text(encoding="utf-8")
    assert workflow.markdown_table() in page
    assert "```mermaid\n" + workflow.mermaid() + "```" in page
