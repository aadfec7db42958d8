"""The statutory clock: FOIA s10 working days, UK bank holidays and explained deadlines.

A working day (s10(6)) is any day except a Saturday, a Sunday, Christmas Day, Good Friday
or a bank holiday in *any* part of the United Kingdom, so the calendar here is the union of
the England, Wales, Scotland and Northern Ireland calendars of the ``holidays`` package,
one-off days (jubilees, state funerals, coronations) included. Every deadline carries the
lines that explain it: where the count started and each day it skipped, and why. Where a
request stands against its deadline is ``foidesk.foi.standing``'s.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Literal

import holidays

# The four parts of the UK whose bank holidays are all non-working days for FOIA.
UK_SUBDIVISIONS: dict[str, str] = {
    "ENG": "England",
    "WLS": "Wales",
    "SCT": "Scotland",
    "NIR": "Northern Ireland",
}

STATUTORY_DAYS = 20  # s10(1)
# The ICO expects a public interest extension of at most 20 further working days.
EXTENSION_GUIDE_DAYS = 20
REVIEW_DAYS = 20  # s45 Code: internal review within 20 working days...
REVIEW_EXCEPTIONAL_DAYS = 40  # ...or 40 in exceptional cases.
# An ICO decision notice usually gives 35 calendar days to comply; either side may appeal
# to the First-tier Tribunal within 28 days of it.
DECISION_NOTICE_COMPLIANCE_DAYS = 35
TRIBUNAL_APPEAL_DAYS = 28

# LTT47: a request received on a non-working day is received that day (day 1 is the next
# working day). Some authorities instead treat it as received on the next working day.
ReceiptRule = Literal["as-received", "next-working-day"]
RECEIPT_RULES: tuple[str, ...] = ("as-received", "next-working-day")


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> dict[date, str]:
    """Every UK bank holiday of ``year``, each named with the parts of the UK keeping it."""
    found: dict[date, dict[str, list[str]]] = {}
    for code, place in UK_SUBDIVISIONS.items():
        for day, names in holidays.UK(subdiv=code, years=year).items():
            for name in names.split("; "):
                found.setdefault(day, {}).setdefault(name, []).append(place)
    named: dict[date, str] = {}
    for day, by_name in found.items():
        parts = []
        for name, places in by_name.items():
            where = "all of the UK" if len(places) == len(UK_SUBDIVISIONS) else " and ".join(places)
            parts.append(f"{name} ({where})")
        named[day] = "; ".join(parts)
    return named


@dataclass(frozen=True)
class WorkingCalendar:
    """Working days under s10(6); ``extra_holidays`` adds days set by later proclamation."""

    extra_holidays: Mapping[date, str] = field(default_factory=dict)

    def non_working_reason(self, day: date) -> str | None:
        """Why ``day`` is not a working day, or None if it is one."""
        reasons = []
        if day.weekday() >= 5:
            reasons.append(day.strftime("%A"))
        holiday = _bank_holidays(day.year).get(day) or self.extra_holidays.get(day)
        if holiday:
            reasons.append(f"bank holiday: {holiday}")
        return "; ".join(reasons) or None

    def is_working_day(self, day: date) -> bool:
        return self.non_working_reason(day) is None

    def next_working_day(self, day: date) -> date:
        """The first working day on or after ``day``."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day


UK_CALENDAR = WorkingCalendar()


@dataclass(frozen=True)
class FeePause:
    """A fees notice (s10(2)): working days from notice to payment, inclusive, do not count."""

    notice: date
    paid: date | None = None
    # Unpaid three months after the notice, the request lapsed that day (s9(2)).
    lapsed: date | None = None


@dataclass(frozen=True)
class Deadline:
    """A due date with the lines that explain it; ``due`` is None while the clock is stopped."""

    due: date | None
    start: date
    working_days: int
    explanation: list[str]
    skipped: list[tuple[date, str]]
    statutory_due: date | None = None
    warnings: list[str] = field(default_factory=list)
    # While the clock is stopped (a clarification or a fee outstanding), since when.
    stopped_since: date | None = None

    def __str__(self) -> str:
        head = self.due.isoformat() if self.due else "clock stopped"
        return "\n".join([head, *self.explanation, *(f"warning: {w}" for w in self.warnings)])


def _fmt(day: date) -> str:
    return f"{day:%a} {day.isoformat()}"


def add_working_days(
    start: date,
    days: int,
    *,
    calendar: WorkingCalendar = UK_CALENDAR,
    pauses: Sequence[FeePause] = (),
) -> tuple[date | None, list[tuple[date, str]]]:
    """The ``days``-th working day after ``start`` and every day skipped on the way.

    Working days inside a fee pause are skipped; an unpaid fee stops the clock (None).
    """
    skipped: list[tuple[date, str]] = []
    counted = 0
    day = start
    while counted < days:
        day += timedelta(days=1)
        reason = calendar.non_working_reason(day)
        if reason is None:
            for pause in pauses:
                if pause.notice <= day and (pause.paid is None or day <= pause.paid):
                    if pause.paid is None:
                        return None, skipped
                    reason = f"awaiting fee (notice {pause.notice}, paid {pause.paid})"
                    break
        if reason is None:
            counted += 1
        else:
            skipped.append((day, reason))
    return day, skipped


def working_days_between(start: date, end: date, *, calendar: WorkingCalendar = UK_CALENDAR) -> int:
    """How many working days fall after ``start`` up to and including ``end``."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            count += 1
    return count


def due_date(
    received: date,
    *,
    clarified: date | None = None,
    fee_pauses: Iterable[FeePause] = (),
    extended_to: date | None = None,
    days: int = STATUTORY_DAYS,
    receipt_rule: ReceiptRule = "as-received",
    calendar: WorkingCalendar = UK_CALENDAR,
) -> Deadline:
    """When a response to a request received on ``received`` is due under s10.

    ``clarified`` is the day the requester's clarification arrived: the clarified request
    is a new request, so the count starts again from it (s1(3), s10(6)(b)).
    ``extended_to`` is a public interest extension's date (s10(3)); it is checked against
    the ICO's expectation of no more than 20 further working days.
    """
    if receipt_rule not in RECEIPT_RULES:
        raise ValueError(f"receipt rule must be one of {', '.join(RECEIPT_RULES)}")
    if clarified is not None and clarified < received:
        raise ValueError(f"clarification {clarified} is before receipt {received}")
    lines: list[str] = [f"Received {_fmt(received)}."]
    start = received
    if clarified is not None:
        start = clarified
        lines.append(
            f"Clarification received {_fmt(clarified)}: the clarified request is treated as "
            "new, so the count starts again from that day (s1(3), s10(6)(b))."
        )
    reason = calendar.non_working_reason(start)
    if reason and receipt_rule == "next-working-day":
        effective = calendar.next_working_day(start)
        lines.append(
            f"{_fmt(start)} is not a working day ({reason}); by this authority's rule it is "
            f"treated as received on {_fmt(effective)}."
        )
        start = effective
    elif reason:
        lines.append(
            f"{_fmt(start)} is not a working day ({reason}); it is still the day of receipt "
            "(ICO LTT47), and day 1 is the next working day."
        )
    pauses = sorted(fee_pauses, key=lambda p: p.notice)
    due, skipped = add_working_days(start, days, calendar=calendar, pauses=pauses)
    stopped_since = None
    for pause in pauses:
        if pause.lapsed is not None:
            stopped_since = pause.notice
            lines.append(
                f"Fees notice issued {_fmt(pause.notice)} was not paid within three months: "
                f"the request lapsed on {_fmt(pause.lapsed)} (s9(2)); the clock stays stopped."
            )
        elif pause.paid is None:
            stopped_since = pause.notice
            lines.append(
                f"Fees notice issued {_fmt(pause.notice)} and not yet paid: the clock is "
                "stopped until the fee arrives (s10(2))."
            )
        else:
            lines.append(
                f"Fees notice issued {_fmt(pause.notice)}, fee received {_fmt(pause.paid)}: "
                "working days in between do not count (s10(2))."
            )
    if due is not None:
        day1, _ = add_working_days(start, 1, calendar=calendar, pauses=pauses)
        lines.append(f"Day 1 is {_fmt(day1)}; day {days} is {_fmt(due)}.")
    for day, why in skipped:
        lines.append(f"Skipped {_fmt(day)}: {why}.")
    statutory_due = due
    warnings: list[str] = []
    if extended_to is not None and due is not None:
        if extended_to <= due:
            raise ValueError(f"extension to {extended_to} is not after the due date {due}")
        extra = working_days_between(due, extended_to, calendar=calendar)
        lines.append(
            f"Public interest extension (s10(3)) to {_fmt(extended_to)}: {extra} further "
            "working days."
        )
        if extra > EXTENSION_GUIDE_DAYS:
            warnings.append(
                f"the extension adds {extra} working days; the ICO expects no more than "
                f"{EXTENSION_GUIDE_DAYS}"
            )
        if reason := calendar.non_working_reason(extended_to):
            warnings.append(
                f"the extended date {_fmt(extended_to)} is not a working day ({reason})"
            )
        due = extended_to
    return Deadline(
        due=due,
        start=start,
        working_days=days,
        explanation=lines,
        skipped=skipped,
        statutory_due=statutory_due,
        warnings=warnings,
        stopped_since=stopped_since if due is None else None,
    )


def add_months(day: date, months: int) -> date:
    """The same day ``months`` calendar months later (the month's last day if it is shorter):
    a fees notice of 30 November lapses on 28 or 29 February."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


def decision_notice_due(decided_on: date, compliance_days: int) -> tuple[date, date]:
    """(comply by, appeal by) for an ICO decision notice of ``decided_on``, in calendar days.

    s50(6): the period to comply may not end before the time to appeal does, so it is the
    later of the two.
    """
    appeal_by = decided_on + timedelta(days=TRIBUNAL_APPEAL_DAYS)
    return max(decided_on + timedelta(days=compliance_days), appeal_by), appeal_by


def review_due(
    requested: date, *, exceptional: bool = False, calendar: WorkingCalendar = UK_CALENDAR
) -> Deadline:
    """When an internal review asked for on ``requested`` should be decided (s45 Code)."""
    days = REVIEW_EXCEPTIONAL_DAYS if exceptional else REVIEW_DAYS
    deadline = due_date(requested, days=days, calendar=calendar)
    kind = "exceptional cases" if exceptional else "the s45 Code of Practice"
    deadline.explanation[0] = (
        f"Internal review requested {_fmt(requested)} ({days} working days, {kind})."
    )
    return deadline
