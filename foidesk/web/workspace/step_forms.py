"""What each step's form on the request page asks for, and what it does with the register.

``STEP_FIELDS`` are the fields of the steps shown under "Other steps"; the decision,
clarification, cost, submission, approval and publishing forms are written out in the
page's template. ``step_forms`` maps each step's command to the register call its form
makes; a blank date means today.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from foidesk.foi import letter_kinds
from foidesk.foi.costs import MAX_RECORDS
from foidesk.foi.register import Actor, Register
from foidesk.web.workspace.forms import form_date, form_number, form_text, lines

MAX_PARTS = 1000


@dataclass(frozen=True)
class Field:
    """A form field of a step: its name, label, kind (text, textarea, date, checkbox or
    select), hint, and for a select the ``(value, label)`` choices, read when the page is
    shown."""

    name: str
    label: str
    kind: str = "text"
    hint: str = ""
    choices: Callable[[], list[tuple[str, str]]] | None = None


def _letter_kinds() -> list[tuple[str, str]]:
    # Read at each page, so a kind defined after start-up is offered too; nothing is
    # chosen until the officer chooses, so no letter goes out by default.
    return [("", "Choose a letter")] + [(k.name, k.title) for k in letter_kinds.KINDS.values()]


def _today_hint(label: str, name: str) -> Field:
    return Field(name, label, "date", "YYYY-MM-DD; leave empty for today")


# The forms of the steps the request page shows in its "Other steps" section; decisions,
# clarification, costs, submission, approval and publishing have forms of their own there.
STEP_FIELDS: dict[str, tuple[Field, ...]] = {
    "acknowledge": (_today_hint("Date acknowledged", "on"),),
    "fee-notice": (
        Field("amount", "Amount (£)"),
        _today_hint("Date of the fees notice", "on"),
    ),
    "fee-paid": (_today_hint("Date paid", "on"),),
    "lapse": (),
    "remind": (_today_hint("Date of the reminder", "on"),),
    "close": (_today_hint("Date closed", "on"),),
    "aggregate": (
        Field(
            "with",
            "Requests to aggregate with",
            "textarea",
            "References, one a line: received within 60 consecutive working days",
        ),
        Field(
            "reason",
            "Why they may be aggregated",
            "textarea",
            "The same or similar information; one person, or people who appear to act together",
        ),
    ),
    "advise": (Field("advice", "Advice and assistance (s16)", "textarea"),),
    "extend": (
        Field("exemption", "Qualified exemption being weighed", hint="e.g. s31"),
        Field("new_due", "New date for the response", "date", "YYYY-MM-DD"),
        _today_hint("Date the requester was told", "on"),
        Field(
            "override",
            "Override reason",
            "textarea",
            "Needed for a non-working day, or more than 20 further working days",
        ),
    ),
    "respond": (_today_hint("Date of the response", "on"),),
    "letter": (
        Field("kind", "Kind of letter", "select", choices=_letter_kinds),
        _today_hint("Date of the letter", "on"),
    ),
    "withdraw": (
        _today_hint("Date withdrawn", "on"),
        Field("reason", "How the requester withdrew it", "textarea"),
    ),
    "transfer": (
        _today_hint("Date transferred", "on"),
        Field("authority", "The authority that holds the information"),
    ),
    "review": (
        _today_hint("Date the review was asked for", "on"),
        Field("exceptional", "Exceptional: 40 working days", "checkbox"),
    ),
    "review-decided": (
        _today_hint("Date of the review's decision", "on"),
        Field("outcome", "What the review decided", "textarea"),
    ),
    "ico": (
        _today_hint("Date the complaint was lodged", "on"),
        Field("ico_reference", "ICO case reference"),
    ),
    "ico-decided": (
        _today_hint("Date of the decision notice", "on"),
        Field("outcome", "What the decision notice found", "textarea"),
        Field("compliance_days", "Days it gives to comply", hint="35 unless it says otherwise"),
    ),
    "comply": (_today_hint("Date complied", "on"),),
    "tribunal": (_today_hint("Date the appeal was lodged", "on"),),
    "tribunal-decided": (
        _today_hint("Date of the Tribunal's decision", "on"),
        Field("outcome", "What the Tribunal decided", "textarea"),
    ),
    "correct": (
        Field("received", "Correct date of receipt", "date", "YYYY-MM-DD; or leave empty"),
        Field("extension", "Correct date of the extension", "date", "YYYY-MM-DD; or leave empty"),
        Field("reason", "Why the entry was wrong", "textarea"),
        Field("override", "Override reason (extension only)", "textarea"),
    ),
}

DONE = {
    "clarify": "Clarification sought: the clock waits for the answer.",
    "answer": "Clarification recorded: 20 working days start again from it.",
    "cost": "Cost line added to the estimate.",
    "submit": "Submitted to a reviewer for approval.",
    "approve": "Approved: the response can now be issued and published.",
    "lapse": "The fee went unpaid for three months: the request lapsed (s9(2)).",
    "close": "Closed: the clarification went unanswered.",
    "aggregate": "Aggregated for the s12 estimate (regulation 5).",
}


def _records(text: str) -> int:
    number = form_number(text, "records")
    if not 0 <= number <= MAX_RECORDS:
        raise ValueError(f"records: {number} is not between 0 and {MAX_RECORDS:,}")
    return number


def _part(text: str) -> int:
    number = form_number(text, "part")
    if not 1 <= number <= MAX_PARTS:
        raise ValueError(f"part: {number} is not between 1 and {MAX_PARTS}")
    return number


def _decide(register: Register, reference: str, who: Actor, form: Any) -> Any:
    """A part's decision, with at most one exemption and its harm and public interest test."""
    exemptions = []
    if form_text(form, "section"):
        exemptions.append(
            {
                "section": form_text(form, "section"),
                "subsection": form_text(form, "subsection"),
                "applies_to": form_text(form, "applies_to"),
                "reason": form_text(form, "reason"),
                "harm": form_text(form, "harm"),
                "factors_for": lines(form_text(form, "factors_for")),
                "factors_against": lines(form_text(form, "factors_against")),
                "balance": form_text(form, "balance"),
            }
        )
    return register.decide(
        reference,
        _part(form_text(form, "part")),
        form_text(form, "decision"),
        exemptions,
        who,
        summary=form_text(form, "summary"),
        not_held=form_text(form, "not_held"),
    )


def _cost(register: Register, reference: str, who: Actor, form: Any) -> Any:
    part = form_text(form, "part")
    return register.add_cost_line(
        reference,
        form_text(form, "activity"),
        form_text(form, "description"),
        _records(form_text(form, "records")),
        form_number(form_text(form, "minutes_per_record"), "minutes per record", Decimal),
        who,
        part_number=_part(part) if part else None,
    )


def _correct(register: Register, reference: str, who: Actor, form: Any) -> Any:
    received, extension = form_text(form, "received"), form_text(form, "extension")
    reason = form_text(form, "reason")
    if bool(received) == bool(extension):
        raise ValueError("give the correct date of receipt or of the extension (one of them)")
    if received:
        return register.correct_received(
            reference, form_date(received, "date of receipt"), reason, who
        )
    return register.correct_extension(
        reference,
        form_date(extension, "date of the extension"),
        reason,
        who,
        override=form_text(form, "override"),
    )


StepForm = Callable[[Register, str, Actor, Any], Any]


def step_forms(today: Callable[[], date]) -> dict[str, StepForm]:
    """What each step's form does with the register; a blank date means today."""

    def on(form: Any, label: str = "date") -> date:
        return form_date(form_text(form, "on"), label, today())

    return {
        "acknowledge": lambda r, ref, who, f: r.acknowledge(ref, on(f), who),
        "clarify": lambda r, ref, who, f: r.clarify(
            ref, on(f, "date sought"), form_text(f, "question"), who
        ),
        "answer": lambda r, ref, who, f: r.answer_clarification(
            ref, on(f, "date answered"), form_text(f, "answer"), who
        ),
        "fee-notice": lambda r, ref, who, f: r.fee_notice(
            ref, on(f), form_number(form_text(f, "amount"), "amount", Decimal), who
        ),
        "fee-paid": lambda r, ref, who, f: r.fee_paid(ref, on(f), who),
        "lapse": lambda r, ref, who, f: r.lapse_fee(ref, who),
        "remind": lambda r, ref, who, f: r.remind_clarification(ref, on(f), who),
        "close": lambda r, ref, who, f: r.close_clarification(ref, on(f), who),
        "aggregate": lambda r, ref, who, f: r.aggregate(
            ref, lines(form_text(f, "with")), form_text(f, "reason"), who
        ),
        "cost": _cost,
        "decide": _decide,
        "advise": lambda r, ref, who, f: r.advise(ref, form_text(f, "advice"), who),
        "extend": lambda r, ref, who, f: r.extend(
            ref,
            form_text(f, "exemption"),
            form_date(form_text(f, "new_due"), "new date"),
            who,
            notified_on=on(f),
            override=form_text(f, "override"),
        ),
        "submit": lambda r, ref, who, f: r.submit_for_approval(ref, who),
        "approve": lambda r, ref, who, f: r.approve(
            ref, who, fingerprint=form_text(f, "fingerprint")
        ),
        "respond": lambda r, ref, who, f: r.respond(ref, on(f), [], who),
        "withdraw": lambda r, ref, who, f: r.withdraw(ref, on(f), form_text(f, "reason"), who),
        "transfer": lambda r, ref, who, f: r.transfer(ref, on(f), form_text(f, "authority"), who),
        "review": lambda r, ref, who, f: r.internal_review(
            ref, on(f), who, exceptional=bool(form_text(f, "exceptional"))
        ),
        "review-decided": lambda r, ref, who, f: r.decide_review(
            ref, on(f), form_text(f, "outcome"), who
        ),
        "ico": lambda r, ref, who, f: r.ico_appeal(
            ref, on(f), who, ico_reference=form_text(f, "ico_reference")
        ),
        "ico-decided": lambda r, ref, who, f: r.ico_decision(
            ref,
            on(f),
            form_text(f, "outcome"),
            who,
            compliance_days=form_number(form_text(f, "compliance_days") or "35", "days to comply"),
        ),
        "comply": lambda r, ref, who, f: r.comply(ref, on(f), who),
        "tribunal": lambda r, ref, who, f: r.tribunal_appeal(ref, on(f), who),
        "tribunal-decided": lambda r, ref, who, f: r.tribunal_decision(
            ref, on(f), form_text(f, "outcome"), who
        ),
        "correct": _correct,
    }
