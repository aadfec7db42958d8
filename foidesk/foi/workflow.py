"""The request lifecycle as one table: each step, who may take it, when, and what it records.

A request's status is derived from the facts the register holds (``derive_status``), never
typed in. ``STEPS`` says, for each step, the roles that may take it, the statuses it may be
taken from, any further condition (its guard), the status it leads to and the facts it
records. Everything that asks "what can happen next" reads this table: the register refuses
a step the table does not allow (``refusal``), the workspace shows the forms
``allowed_steps`` returns, the command line refuses with the same words, and the table and
diagram in docs/register.md are generated from it (``markdown_table``, ``mermaid``).

Adding a step is one row here and one register method that records its facts.

Some steps fall due with time rather than with another step: a fees notice unpaid for
three months lapses (s9(2)), and a clarification still unanswered after a reminder and
the period the settings give (``Timing``) is closed. Their guards read the day from the
``Timing`` the register passes; ``due_steps`` lists what has fallen due, for the officer
who takes those steps (``foidesk request due``, the workspace's register page).

Approval is bound to what the reviewer saw: ``fingerprint`` digests the content of the
response (the request, its clarifications, decisions, exemptions, costs, advice, fees and
extensions), the approve form carries it, and the register refuses an approval whose
fingerprint is not the current one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from foidesk.foi import clock
from foidesk.foi.models import IcoAppeal, Request

ROLES: tuple[str, ...] = ("officer", "analyst", "reviewer", "admin")

# Statuses before the response, in the order a request usually meets them.
BEFORE_SUBMISSION: tuple[str, ...] = (
    "received",
    "awaiting clarification",
    "awaiting fee",
    "in progress",
)
OPEN: tuple[str, ...] = (*BEFORE_SUBMISSION, "awaiting approval", "approved")
AFTER_RESPONSE: tuple[str, ...] = ("responded", "under internal review", "at ICO", "at tribunal")
CLOSED: tuple[str, ...] = ("withdrawn", "transferred", "lapsed", "closed")
STATUSES: tuple[str, ...] = (*OPEN, *AFTER_RESPONSE, *CLOSED)

# s9(2): no duty to comply unless the fee is paid within three months of the fees notice.
FEE_LAPSES_AFTER_MONTHS = 3

# Steps whose actors took part in the response: none of them may approve it.
CONTRIBUTING_ACTIONS = frozenset({"decision", "cost line", "advice", "submitted for approval"})


class Person(Protocol):
    """Whoever acts: a name and the roles their account holds."""

    @property
    def name(self) -> str: ...

    @property
    def roles(self) -> frozenset[str]: ...


def derive_status(request: Request) -> str:
    """The stage a request is at, from what has happened to it."""
    if request.withdrawn_on is not None:
        return "withdrawn"
    if request.transferred_on is not None:
        return "transferred"
    if any(f.lapsed_on is not None for f in request.fee_notices):
        return "lapsed"
    if any(c.closed_on is not None for c in request.clarifications):
        return "closed"
    if any(a.tribunal_lodged_on and a.tribunal_decided_on is None for a in request.appeals):
        return "at tribunal"
    if any(a.decided_on is None for a in request.appeals):
        return "at ICO"
    if any(r.decided_on is None for r in request.reviews):
        return "under internal review"
    if request.responded_on is not None:
        return "responded"
    if request.approved_by:
        return "approved"
    if request.submitted_by:
        return "awaiting approval"
    if open_clarification(request) is not None:
        return "awaiting clarification"
    if unpaid_fee(request) is not None:
        return "awaiting fee"
    started = (
        any(p.decision for p in request.parts)
        or request.cost_lines
        or request.clarifications
        or request.extensions
        or request.fee_notices
    )
    return "in progress" if started else "received"


def open_clarification(request: Request) -> Any:
    """The clarification awaiting the requester's answer, if any."""
    return next(
        (c for c in request.clarifications if c.answered_on is None and c.closed_on is None), None
    )


def unpaid_fee(request: Request) -> Any:
    """The fees notice awaiting payment, if any."""
    return next((f for f in request.fee_notices if f.paid_on is None and f.lapsed_on is None), None)


def fee_lapses_on(notice: Any) -> date:
    """The day an unpaid fees notice lapses: three months after it was given (s9(2))."""
    return clock.add_months(notice.issued_on, FEE_LAPSES_AFTER_MONTHS)


@dataclass(frozen=True)
class Timing:
    """What the guards of steps that fall due with time need: the day, and the periods
    the settings give for an unanswered clarification (a reminder, then closing)."""

    today: date = field(default_factory=date.today)
    clarification_reminder_after_months: int = 2
    clarification_closes_after_months: int = 3

    def reminder_due(self, clarification: Any) -> date:
        return clock.add_months(clarification.sought_on, self.clarification_reminder_after_months)

    def closing_due(self, clarification: Any) -> date:
        return clock.add_months(clarification.sought_on, self.clarification_closes_after_months)


def contributors(request: Request) -> set[str]:
    """Everyone who decided a part, added a cost line, gave advice or submitted the request."""
    return {
        e.actor
        for e in request.audit
        if e.action in CONTRIBUTING_ACTIONS and e.at >= request.created_at
    }


# -- guards: None when the step may happen, else why not --------------------------------------


def _no_open_clarification(request: Request, _name: str, _timing: Timing) -> str | None:
    found = open_clarification(request)
    return None if found is None else f"a clarification sought on {found.sought_on} is open"


def _open_clarification(request: Request, _name: str, _timing: Timing) -> str | None:
    return None if open_clarification(request) else "no clarification is awaiting an answer"


def _no_unpaid_fee(request: Request, _name: str, _timing: Timing) -> str | None:
    found = unpaid_fee(request)
    return None if found is None else f"the fees notice of {found.issued_on} is unpaid"


def _unpaid_fee(request: Request, _name: str, _timing: Timing) -> str | None:
    return None if unpaid_fee(request) else "no fees notice is awaiting payment"


def _not_acknowledged(request: Request, _name: str, _timing: Timing) -> str | None:
    if request.acknowledged_on is not None:
        return f"it was acknowledged on {request.acknowledged_on}"
    return None


def _ready_to_submit(request: Request, name: str, _timing: Timing) -> str | None:
    undecided = [str(p.number) for p in request.parts if not p.decision]
    if undecided:
        return f"part {', '.join(undecided)} {'is' if len(undecided) == 1 else 'are'} undecided"
    return _no_open_clarification(request, name, _timing) or _no_unpaid_fee(request, name, _timing)


def _independent_reviewer(request: Request, name: str, _timing: Timing) -> str | None:
    if name in contributors(request):
        return (
            f"{name} decided, costed, advised on or submitted it: "
            "a reviewer who took no part must approve it"
        )
    return None


def _fee_lapsed(request: Request, _name: str, timing: Timing) -> str | None:
    unpaid = unpaid_fee(request)
    if unpaid is None:
        return "no fees notice is awaiting payment"
    lapses = fee_lapses_on(unpaid)
    if timing.today < lapses:
        return f"the fees notice of {unpaid.issued_on} lapses on {lapses}, not before (s9(2))"
    return None


def _reminder_not_sent(request: Request, _name: str, _timing: Timing) -> str | None:
    waiting = open_clarification(request)
    if waiting is None:
        return "no clarification is awaiting an answer"
    if waiting.reminded_on is not None:
        return f"a reminder was sent on {waiting.reminded_on}"
    return None


def _clarification_to_close(request: Request, _name: str, timing: Timing) -> str | None:
    waiting = open_clarification(request)
    if waiting is None:
        return "no clarification is awaiting an answer"
    if waiting.reminded_on is None:
        return f"the clarification sought on {waiting.sought_on} has had no reminder"
    closes = timing.closing_due(waiting)
    if timing.today < closes:
        return f"the clarification sought on {waiting.sought_on} may be closed from {closes}"
    return None


def _decision_notice_to_comply(request: Request, _name: str, _timing: Timing) -> str | None:
    if any(a.decided_on and a.complied_on is None for a in request.appeals):
        return None
    return "no ICO decision notice is awaiting compliance"


def _decision_notice_to_appeal(request: Request, _name: str, _timing: Timing) -> str | None:
    if any(a.decided_on and a.tribunal_lodged_on is None for a in request.appeals):
        return None
    return "no ICO decision notice is open to appeal"


def _always(_request: Request, _name: str, _timing: Timing) -> str | None:
    return None


Guard = Callable[[Request, str, Timing], "str | None"]


@dataclass(frozen=True)
class Step:
    """One thing that can happen to a request.

    ``command`` names it on the command line (``foidesk request <command>``) and in the
    workspace's form addresses; ``to`` is the status it leads to ("" where the status stays
    as it was); ``reopens`` marks a step that changes the content a reviewer approves, so
    taking it after submission withdraws the submission and any approval.
    """

    name: str
    command: str
    roles: tuple[str, ...]
    from_statuses: tuple[str, ...]
    to: str
    records: str
    guard: Guard = _always
    guard_text: str = ""
    reopens: bool = False


OFFICER = ("officer",)

STEPS: tuple[Step, ...] = (
    Step("log", "new", OFFICER, (), "received", "reference, date received, text, parts"),
    Step(
        "acknowledge",
        "acknowledge",
        OFFICER,
        OPEN,
        "",
        "date acknowledged",
        _not_acknowledged,
        "not yet acknowledged",
    ),
    Step(
        "seek clarification",
        "clarify",
        OFFICER,
        OPEN,
        "awaiting clarification",
        "date sought, question",
        _no_open_clarification,
        "no clarification open",
        reopens=True,
    ),
    Step(
        "record the answer",
        "answer",
        OFFICER,
        ("awaiting clarification",),
        "in progress",
        "date answered, answer (the 20 working days start again)",
        _open_clarification,
        "a clarification is open",
        reopens=True,
    ),
    Step(
        "clarification reminder",
        "remind",
        OFFICER,
        ("awaiting clarification",),
        "",
        "date the requester was reminded of the open clarification",
        _reminder_not_sent,
        "a clarification open and not yet reminded",
    ),
    Step(
        "close unanswered clarification",
        "close",
        OFFICER,
        ("awaiting clarification",),
        "closed",
        "date closed (the clock stays stopped)",
        _clarification_to_close,
        "reminded, and open for the period the settings give (3 months by default)",
    ),
    Step(
        "fees notice",
        "fee-notice",
        OFFICER,
        OPEN,
        "awaiting fee",
        "date issued, amount (the clock stops)",
        _no_unpaid_fee,
        "no unpaid fees notice",
        reopens=True,
    ),
    Step(
        "fee paid",
        "fee-paid",
        OFFICER,
        ("awaiting fee",),
        "in progress",
        "date paid (the clock restarts)",
        _unpaid_fee,
        "an unpaid fees notice",
    ),
    Step(
        "fee lapsed",
        "lapse",
        OFFICER,
        ("awaiting fee",),
        "lapsed",
        "the day the fee lapsed, three months after the notice (s9(2)); the clock stays stopped",
        _fee_lapsed,
        "an unpaid fees notice three months old",
    ),
    Step(
        "cost estimate",
        "cost",
        ("officer", "analyst"),
        OPEN,
        "in progress",
        "a line of the s12 worksheet",
        reopens=True,
    ),
    Step(
        "aggregate (regulation 5)",
        "aggregate",
        OFFICER,
        OPEN,
        "",
        "the requests aggregated with it for the s12 estimate, why; linked both ways",
        reopens=True,
    ),
    Step(
        "decide a part",
        "decide",
        OFFICER,
        OPEN,
        "in progress",
        "a part's decision, exemptions, summary, what is not held",
        reopens=True,
    ),
    Step(
        "advice and assistance",
        "advise",
        OFFICER,
        OPEN,
        "",
        "the s16 advice the response gives",
        reopens=True,
    ),
    Step(
        "public interest extension",
        "extend",
        OFFICER,
        OPEN,
        "",
        "exemption weighed, date notified, new due date (override reason if needed)",
    ),
    Step(
        "submit",
        "submit",
        OFFICER,
        ("in progress",),
        "awaiting approval",
        "submitted by, when",
        _ready_to_submit,
        "every part decided; no clarification or fee outstanding",
    ),
    Step(
        "approve",
        "approve",
        ("reviewer",),
        ("awaiting approval",),
        "approved",
        "approved by, when, fingerprint of the content approved",
        _independent_reviewer,
        "the reviewer took no part in it; the content is the one reviewed",
    ),
    Step(
        "respond",
        "respond",
        OFFICER,
        ("approved",),
        "responded",
        "date of the response, attachments",
        _no_open_clarification,
        "no clarification open",
    ),
    Step(
        "personal-data review",
        "personal-data",
        OFFICER,
        (*OPEN, *AFTER_RESPONSE),
        "",
        "who reviewed what the log will show for personal data, each decision, its fingerprint",
    ),
    Step(
        "publish",
        "publish",
        OFFICER,
        ("approved", *AFTER_RESPONSE),
        "",
        "the response on the public disclosure log (responding first if not yet done)",
    ),
    Step(
        "withdraw",
        "withdraw",
        OFFICER,
        OPEN,
        "withdrawn",
        "date the requester withdrew, reason",
    ),
    Step(
        "transfer",
        "transfer",
        OFFICER,
        OPEN,
        "transferred",
        "date transferred, the authority that holds the information",
    ),
    Step(
        "internal review requested",
        "review",
        OFFICER,
        ("responded",),
        "under internal review",
        "date asked for, whether exceptional (40 working days)",
    ),
    Step(
        "internal review decided",
        "review-decided",
        ("reviewer",),
        ("under internal review",),
        "responded",
        "date decided, outcome, reviewer",
    ),
    Step(
        "ICO complaint lodged",
        "ico",
        OFFICER,
        ("responded",),
        "at ICO",
        "date lodged, ICO reference",
    ),
    Step(
        "ICO complaint decided",
        "ico-decided",
        OFFICER,
        ("at ICO",),
        "responded",
        "date of the decision notice, outcome, compliance period",
    ),
    Step(
        "decision-notice compliance",
        "comply",
        OFFICER,
        ("responded",),
        "",
        "date the authority complied with the decision notice",
        _decision_notice_to_comply,
        "a decision notice not yet complied with",
    ),
    Step(
        "tribunal appeal",
        "tribunal",
        OFFICER,
        ("responded",),
        "at tribunal",
        "date an appeal to the First-tier Tribunal was lodged",
        _decision_notice_to_appeal,
        "a decision notice not yet appealed",
    ),
    Step(
        "tribunal decided",
        "tribunal-decided",
        OFFICER,
        ("at tribunal",),
        "responded",
        "date of the Tribunal's decision, outcome",
    ),
    Step(
        "correct an entry",
        "correct",
        OFFICER,
        STATUSES,
        "",
        "date received or an extension's date, with the reason; old and new in the trail",
    ),
)

BY_NAME: dict[str, Step] = {s.name: s for s in STEPS}
BY_COMMAND: dict[str, Step] = {s.command: s for s in STEPS}


def step(name: str) -> Step:
    """The step with this name (or command); an unknown one is an error naming the known."""
    found = BY_NAME.get(name) or BY_COMMAND.get(name)
    if found is None:
        raise KeyError(f"no step {name!r}: steps are {', '.join(BY_NAME)}")
    return found


def refusal(
    request: Request,
    which: Step | str,
    name: str,
    roles: Iterable[str],
    timing: Timing | None = None,
) -> str | None:
    """Why ``name`` (holding ``roles``) may not take the step now, or None if they may."""
    chosen = which if isinstance(which, Step) else step(which)
    held = set(roles)
    if not held & set(chosen.roles):
        return (
            f"{name} holds the role {', '.join(sorted(held)) or 'none'}: "
            f"'{chosen.name}' needs {' or '.join(chosen.roles)}"
        )
    if chosen.from_statuses and request.status not in chosen.from_statuses:
        return f"{request.reference} is '{request.status}': '{chosen.name}' cannot happen now"
    why = chosen.guard(request, name, timing or Timing())
    if why:
        return f"{request.reference}: '{chosen.name}' cannot happen: {why}"
    return None


def allowed_steps(request: Request, user: Person, timing: Timing | None = None) -> list[Step]:
    """The steps this user may take on this request now, in the table's order."""
    return [
        s
        for s in STEPS
        if s.from_statuses and refusal(request, s, user.name, user.roles, timing) is None
    ]


@dataclass(frozen=True)
class Due:
    """A step that time has brought due on a request: since when, and why."""

    reference: str
    step: Step
    since: date
    why: str


def fee_due(reference: str, notice: Any, timing: Timing) -> Due | None:
    """The lapse of an unpaid fees notice, if three months have passed (s9(2))."""
    lapses = fee_lapses_on(notice)
    if lapses > timing.today:
        return None
    why = f"fees notice of {notice.issued_on} unpaid for three months (s9(2))"
    return Due(reference, BY_NAME["fee lapsed"], lapses, why)


def clarification_due(reference: str, clarification: Any, timing: Timing) -> Due | None:
    """A reminder of an unanswered clarification, or closing it, once its time has come."""
    if clarification.reminded_on is None:
        remind = timing.reminder_due(clarification)
        if remind > timing.today:
            return None
        why = f"clarification sought on {clarification.sought_on} unanswered"
        return Due(reference, BY_NAME["clarification reminder"], remind, why)
    closes = timing.closing_due(clarification)
    if closes > timing.today:
        return None
    why = (
        f"clarification sought on {clarification.sought_on} unanswered, "
        f"reminded on {clarification.reminded_on}"
    )
    return Due(reference, BY_NAME["close unanswered clarification"], closes, why)


def due_steps(request: Request, timing: Timing) -> list[Due]:
    """The steps time has brought due on this request: a fee to lapse, a clarification to
    remind the requester of or to close."""
    found = []
    unpaid = unpaid_fee(request)
    if request.status == "awaiting fee" and unpaid is not None:
        found.append(fee_due(request.reference, unpaid, timing))
    waiting = open_clarification(request)
    if request.status == "awaiting clarification" and waiting is not None:
        found.append(clarification_due(request.reference, waiting, timing))
    return [d for d in found if d is not None]


@dataclass(frozen=True)
class DecisionNotice:
    """The dates an ICO decision notice sets running: compliance and a Tribunal appeal."""

    ico_reference: str
    decided_on: date
    comply_by: date
    appeal_by: date
    complied_on: date | None
    appealed_on: date | None
    tribunal_decided_on: date | None

    def compliance(self, today: date) -> str:
        """Where compliance stands, in words."""
        if self.complied_on is not None:
            return f"complied on {self.complied_on}"
        if self.appealed_on is not None and self.tribunal_decided_on is None:
            return f"suspended while the Tribunal appeal of {self.appealed_on} is heard (s50(6))"
        if self.tribunal_decided_on is not None:
            return f"as the Tribunal decided on {self.tribunal_decided_on}"
        if self.overdue(today):
            return f"overdue: due by {self.comply_by}"
        return f"due by {self.comply_by}"

    def appeal(self, today: date) -> str:
        """Where a First-tier Tribunal appeal stands, in words."""
        if self.appealed_on is not None:
            return f"appealed on {self.appealed_on}"
        if today > self.appeal_by:
            return f"not appealed by {self.appeal_by}"
        return f"may be appealed until {self.appeal_by}"

    def overdue(self, today: date) -> bool:
        """Not complied with by the date the notice gives, and no appeal stays it."""
        return (
            self.complied_on is None
            and self.appealed_on is None
            and self.tribunal_decided_on is None
            and today > self.comply_by
        )


def decision_notice(appeal: IcoAppeal) -> DecisionNotice | None:
    """The dates of an ICO complaint's decision notice, or None before it is decided."""
    if appeal.decided_on is None:
        return None
    comply_by, appeal_by = clock.decision_notice_due(
        appeal.decided_on, appeal.compliance_days or clock.DECISION_NOTICE_COMPLIANCE_DAYS
    )
    return DecisionNotice(
        ico_reference=appeal.ico_reference,
        decided_on=appeal.decided_on,
        comply_by=comply_by,
        appeal_by=appeal_by,
        complied_on=appeal.complied_on,
        appealed_on=appeal.tribunal_lodged_on,
        tribunal_decided_on=appeal.tribunal_decided_on,
    )


def decision_notices(request: Request) -> list[DecisionNotice]:
    """Every decided ICO complaint's notice on the request, oldest first."""
    return [n for a in request.appeals if (n := decision_notice(a)) is not None]


def role_for(which: Step | str, roles: Iterable[str]) -> str | None:
    """The role, of those held, in which to take the step (None if none fits)."""
    chosen = which if isinstance(which, Step) else step(which)
    held = set(roles)
    return next((r for r in chosen.roles if r in held), None)


# -- the content a reviewer approves ---------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal | float):
        return str(Decimal(str(value)).normalize())
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def reviewed_content(request: Request) -> dict[str, Any]:
    """What the response says and rests on: everything a reviewer approves."""
    return {
        "reference": request.reference,
        "received": request.received,
        "text": request.text,
        "parts": [
            {
                "number": p.number,
                "text": p.text,
                "decision": p.decision,
                "summary": p.summary,
                "not_held": p.not_held,
                # Added only when set, so content approved before they existed keeps its
                # fingerprint.
                **({"held_by": p.held_by} if p.held_by else {}),
                **({"tables": list(p.tables)} if p.tables else {}),
                "exemptions": [
                    {
                        "section": e.section,
                        "subsection": e.subsection,
                        "absolute": e.absolute,
                        "applies_to": e.applies_to,
                        "reason": e.reason,
                        "harm": e.harm,
                        "factors_for": list(e.factors_for),
                        "factors_against": list(e.factors_against),
                        "balance": e.balance,
                        **(
                            {"earlier": [e.earlier_reference, e.earlier_notice_on]}
                            if e.earlier_reference
                            else {}
                        ),
                    }
                    for e in p.exemptions
                ],
            }
            for p in request.parts
        ],
        "clarifications": [
            [c.sought_on, c.question, c.answered_on, c.answer, c.closed_on]
            for c in request.clarifications
        ],
        "fees": [[f.issued_on, f.amount, f.paid_on, f.lapsed_on] for f in request.fee_notices],
        "extensions": [[e.exemption, e.notified_on, e.new_due] for e in request.extensions],
        "costs": [
            [c.activity, c.description, c.records, c.minutes_per_record, c.part_number]
            for c in request.cost_lines
        ],
        "advice": request.advice,
    }


def _content(request: Request) -> dict[str, Any]:
    content = reviewed_content(request)
    # Only where there are links, so that content reviewed before links existed keeps its
    # fingerprint.
    if request.aggregations:
        content["aggregated_with"] = sorted(a.other_reference for a in request.aggregations)
    return content


def fingerprint(request: Request) -> str:
    """A SHA-256 of the reviewed content: any change to it gives another fingerprint."""

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return _plain(value)

    text = json.dumps(plain(_content(request)), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# -- the documentation, generated --------------------------------------------------------------


_GROUPS = {STATUSES: "any", OPEN: "any before the response (`OPEN`)"}


def markdown_table() -> str:
    """The workflow as a Markdown table, one row a step."""
    lines = [
        "| step | command | role | from | condition | leads to | records |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in STEPS:
        where = _GROUPS.get(s.from_statuses) or ", ".join(s.from_statuses)
        to = s.to or "(stays)"
        if s.reopens:
            to += "; after submission, withdraws submission and approval"
        lines.append(
            f"| {s.name} | `{s.command}` | {' or '.join(s.roles)} | {where or '(new)'} "
            f"| {s.guard_text or '-'} | {to} | {s.records} |"
        )
    return "\n".join(lines) + "\n"


# While a clarification is open the request awaits it whatever else happens; a fee likewise,
# unless a clarification is open too. The diagram draws only changes that really happen.
_CLOCK_STOPPED = {"awaiting clarification": 2, "awaiting fee": 1}


def mermaid() -> str:
    """The status changes as a Mermaid state diagram (steps that keep the status are left out)."""
    ids = {status: "s_" + status.replace(" ", "_") for status in STATUSES}
    lines = ["stateDiagram-v2"]
    lines += [f'    state "{status}" as {ids[status]}' for status in STATUSES]
    for s in STEPS:
        if not s.to:
            continue
        for source in s.from_statuses or ("[*]",):
            stopped = s.to in (*_CLOCK_STOPPED, "in progress") and _CLOCK_STOPPED.get(
                source, 0
            ) > _CLOCK_STOPPED.get(s.to, 0)
            if source == s.to or (stopped and len(s.from_statuses) > 1):
                continue
            lines.append(f"    {ids.get(source, source)} --> {ids[s.to]}: {s.name}")
    return "\n".join(lines) + "\n"


def workflow_doc() -> str:
    """The table and the diagram as docs/register.md shows them."""
    return f"{markdown_table()}\n```mermaid\n{mermaid()}```\n"


if __name__ == "__main__":
    print(workflow_doc(), end="")
