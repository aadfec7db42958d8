"""Steps that fall due with time: a fee lapsing, a clarification closed, an ICO decision
notice's compliance and appeal periods; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest

from foidesk.foi import clock, workflow
from foidesk.foi.register import Actor, Register, TransitionError
from foidesk.settings import Requests, Settings, SettingsError, read_settings

REF = "01.FOI.24.000888"
OLLY = Actor("olly", "officer")
RITA = Actor("rita", "reviewer")


class Today:
    """A day the test moves on, read by the register as its today."""

    def __init__(self, day: date) -> None:
        self.day = day

    def __call__(self) -> date:
        return self.day


@pytest.fixture
def today() -> Today:
    return Today(date(2024, 6, 10))


@pytest.fixture
def register(register_db: str, today: Today) -> Register:
    with Register(register_db, today=today, migrate=True) as reg:
        yield reg


def _logged(register: Register) -> None:
    register.new_request(REF, date(2024, 6, 3), "Police horses.", ["How many?"], "email", "", OLLY)


# -- a fee unpaid three months lapses (s9(2)) ----------------------------------------------------


def test_three_months_runs_to_the_same_day_or_the_months_last() -> None:
    assert clock.add_months(date(2024, 6, 3), 3) == date(2024, 9, 3)
    assert clock.add_months(date(2024, 11, 30), 3) == date(2025, 2, 28)
    assert clock.add_months(date(2023, 11, 30), 3) == date(2024, 2, 29)
    assert clock.add_months(date(2024, 10, 15), 3) == date(2025, 1, 15)


def test_an_unpaid_fee_lapses_three_months_on_and_the_request_closes(
    register: Register, today: Today
) -> None:
    _logged(register)
    register.fee_notice(REF, date(2024, 6, 3), 30, OLLY)
    today.day = date(2024, 9, 2)
    with pytest.raises(TransitionError, match="lapses on 2024-09-03, not before"):
        register.lapse_fee(REF, OLLY)
    assert workflow.due_steps(register.get(REF), register.timing()) == []
    today.day = date(2024, 9, 3)
    due = register.due()
    assert [(d.reference, d.step.command, d.since) for d in due] == [
        (REF, "lapse", date(2024, 9, 3))
    ]
    # A payment arriving on the day it lapsed is too late, and changes nothing.
    with pytest.raises(TransitionError, match="lapsed on 2024-09-03"):
        register.fee_paid(REF, date(2024, 9, 3), OLLY)
    assert register.get(REF).fee_notices[0].paid_on is None
    request = register.lapse_fee(REF, OLLY)
    assert request.status == "lapsed"
    assert request.fee_notices[0].lapsed_on == date(2024, 9, 3)
    deadline = register.deadline(REF)
    assert deadline.due is None
    assert deadline.stopped_since == date(2024, 6, 3)
    assert any("lapsed on Tue 2024-09-03 (s9(2))" in line for line in deadline.explanation)
    # After the lapse, paying is refused; nothing else can happen to it but a correction.
    with pytest.raises(TransitionError, match="'lapsed': 'fee paid' cannot happen now"):
        register.fee_paid(REF, date(2024, 8, 1), OLLY)
    assert [s.command for s in workflow.allowed_steps(register.get(REF), OLLY)] == ["correct"]
    assert register.due() == []
    trail = [e for e in register.audit_trail(REF) if e.action == "fee lapsed"]
    assert {(e.field, e.new) for e in trail} == {
        ("issued_on", "2024-06-03"),
        ("lapsed_on", "2024-09-03"),
    }


def test_a_fee_paid_in_time_does_not_lapse(register: Register, today: Today) -> None:
    _logged(register)
    register.fee_notice(REF, date(2024, 6, 3), 30, OLLY)
    today.day = date(2024, 9, 2)
    assert register.fee_paid(REF, date(2024, 9, 2), OLLY).status == "in progress"
    today.day = date(2024, 12, 2)
    assert register.due() == []
    with pytest.raises(TransitionError, match="'fee lapsed' cannot happen now"):
        register.lapse_fee(REF, OLLY)


# -- an unanswered clarification: a reminder, then closing ---------------------------------------


def test_an_unanswered_clarification_is_reminded_then_closed(
    register: Register, today: Today
) -> None:
    _logged(register)
    register.clarify(REF, date(2024, 6, 4), "Which years?", OLLY)
    today.day = date(2024, 8, 3)
    assert register.due() == []
    today.day = date(2024, 8, 4)
    assert [(d.step.command, d.since) for d in register.due()] == [("remind", date(2024, 8, 4))]
    # Closing needs a reminder first, whatever the date.
    today.day = date(2024, 9, 10)
    with pytest.raises(TransitionError, match="has had no reminder"):
        register.close_clarification(REF, date(2024, 9, 10), OLLY)
    register.remind_clarification(REF, date(2024, 8, 5), OLLY)
    with pytest.raises(TransitionError, match="a reminder was sent on 2024-08-05"):
        register.remind_clarification(REF, date(2024, 8, 6), OLLY)
    assert [(d.step.command, d.since) for d in register.due()] == [("close", date(2024, 9, 4))]
    # Not before the period the settings give has run.
    with pytest.raises(TransitionError, match="is before 2024-09-04"):
        register.close_clarification(REF, date(2024, 9, 3), OLLY)
    request = register.close_clarification(REF, date(2024, 9, 10), OLLY)
    assert request.status == "closed"
    deadline = register.deadline(REF)
    assert deadline.due is None and deadline.stopped_since == date(2024, 6, 4)
    assert "closed on 2024-09-10" in deadline.explanation[0]
    # The requester's late answer cannot reopen it: it is a new request.
    with pytest.raises(TransitionError, match="'closed': 'record the answer' cannot happen"):
        register.answer_clarification(REF, date(2024, 9, 11), "2020 on.", OLLY)
    assert register.due() == []


def test_the_settings_give_the_closing_period(register_db: str, today: Today) -> None:
    settings = Settings(
        requests=Requests(
            clarification_reminder_after_months=1, clarification_closes_after_months=2
        )
    )
    with Register(register_db, today=today, settings=settings, migrate=True) as register:
        _logged(register)
        register.clarify(REF, date(2024, 6, 4), "Which years?", OLLY)
        today.day = date(2024, 7, 4)
        register.remind_clarification(REF, date(2024, 7, 4), OLLY)
        today.day = date(2024, 8, 4)
        assert [(d.step.command, d.since) for d in register.due()] == [("close", date(2024, 8, 4))]
        assert register.close_clarification(REF, date(2024, 8, 4), OLLY).status == "closed"


def test_a_reminder_after_closing_in_the_settings_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "settings.yaml"
    path.write_text(
        "requests:\n  clarification_reminder_after_months: 3\n"
        "  clarification_closes_after_months: 3\n",
        encoding="utf-8",
    )
    with pytest.raises(SettingsError, match="reminder comes before closing"):
        read_settings(path)


# -- after an ICO decision notice ----------------------------------------------------------------


def _at_ico(register: Register, today: Today) -> None:
    _logged(register)
    register.decide(REF, 1, "disclosed", [], OLLY, summary="12 horses.")
    register.submit_for_approval(REF, OLLY)
    register.approve(REF, RITA, fingerprint=register.fingerprint(REF))
    today.day = date(2024, 6, 20)
    register.respond(REF, date(2024, 6, 20), [], OLLY)
    register.ico_appeal(REF, date(2024, 6, 20), OLLY, ico_reference="IC-12345")


def test_a_decision_notice_gives_35_days_to_comply_and_28_to_appeal(
    register: Register, today: Today
) -> None:
    _at_ico(register, today)
    today.day = date(2024, 10, 1)
    register.ico_decision(REF, date(2024, 10, 1), "Disclose the list.", OLLY)
    (notice,) = workflow.decision_notices(register.get(REF))
    assert (notice.comply_by, notice.appeal_by) == (date(2024, 11, 5), date(2024, 10, 29))
    assert notice.compliance(date(2024, 11, 5)) == "due by 2024-11-05"
    assert notice.appeal(date(2024, 10, 29)) == "may be appealed until 2024-10-29"
    assert notice.appeal(date(2024, 10, 30)) == "not appealed by 2024-10-29"
    assert not notice.overdue(date(2024, 11, 5))
    assert notice.overdue(date(2024, 11, 6))
    assert notice.compliance(date(2024, 11, 6)) == "overdue: due by 2024-11-05"
    today.day = date(2024, 11, 7)
    register.comply(REF, date(2024, 11, 7), OLLY)
    (notice,) = workflow.decision_notices(register.get(REF))
    assert not notice.overdue(date(2024, 12, 1))
    assert notice.compliance(date(2024, 12, 1)) == "complied on 2024-11-07"


def test_a_short_compliance_period_runs_until_the_appeal_time_ends(
    register: Register, today: Today
) -> None:
    _at_ico(register, today)
    today.day = date(2024, 10, 1)
    register.ico_decision(REF, date(2024, 10, 1), "Disclose.", OLLY, compliance_days=14)
    (notice,) = workflow.decision_notices(register.get(REF))
    # s50(6): the time to comply does not end before the time to appeal.
    assert notice.comply_by == notice.appeal_by == date(2024, 10, 29)


def test_an_appeal_stays_compliance(register: Register, today: Today) -> None:
    _at_ico(register, today)
    today.day = date(2024, 10, 1)
    register.ico_decision(REF, date(2024, 10, 1), "Disclose.", OLLY)
    today.day = date(2024, 10, 20)
    register.tribunal_appeal(REF, date(2024, 10, 20), OLLY)
    (notice,) = workflow.decision_notices(register.get(REF))
    assert not notice.overdue(date(2025, 1, 1))
    assert notice.compliance(date(2025, 1, 1)).startswith("suspended while the Tribunal appeal")
    assert notice.appeal(date(2025, 1, 1)) == "appealed on 2024-10-20"
