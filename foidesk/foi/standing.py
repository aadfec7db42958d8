"""Where a request stands against its due date: overdue, due soon, on time, clock stopped.

It reads the clock's deadlines and the workflow's statuses, so it sits above both: the clock
counts days and knows nothing of statuses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from foidesk.foi import workflow
from foidesk.foi.clock import Deadline, working_days_between

# A response due within this many working days is flagged "due soon".
DUE_SOON_WORKING_DAYS = 5
# Requests no longer running against the clock: responded, withdrawn or transferred.
RESPONDED = frozenset((*workflow.AFTER_RESPONSE, *workflow.CLOSED))


@dataclass(frozen=True)
class DeadlineStatus:
    """Where a request stands against its due date, in words, with the date's explanation."""

    label: str
    css: str
    due: date | None
    working_days_left: int | None
    explanation: list[str]


def deadline_status(deadline: Deadline, status: str, today: date) -> DeadlineStatus:
    """Overdue, due soon, on time, clock stopped or responded, with the reasons for the date."""
    lines = [*deadline.explanation, *(f"Warning: {w}" for w in deadline.warnings)]
    label, css, left = _standing(deadline.due, status in RESPONDED, today)
    if status in workflow.CLOSED:
        label = status.capitalize()
    elif css == "grey" and deadline.stopped_since is not None:
        label = f"Clock stopped since {deadline.stopped_since:%d %B %Y}"
    return DeadlineStatus(label, css, deadline.due, left, lines)


# Counting working days walks the calendar a day at a time: a request a year overdue
# costs hundreds of steps, so each count is kept.
_working_days = lru_cache(maxsize=8192)(working_days_between)


def _standing(due: date | None, responded: bool, today: date) -> tuple[str, str, int | None]:
    if responded:
        return "Responded", "green", None
    if due is None:
        return "Clock stopped", "grey", None
    if today > due:
        late = _working_days(due, today)
        return f"Overdue by {late} working day{'s' if late != 1 else ''}", "red", -late
    left = _working_days(today, due)
    if left <= DUE_SOON_WORKING_DAYS:
        return f"Due soon: {left} working day{'s' if left != 1 else ''} left", "yellow", left
    return f"{left} working days left", "blue", left


def last_due_soon(today: date) -> date:
    """The last due date still "due soon" today (the classification ``_standing`` makes)."""
    day = today
    while _working_days(today, day + timedelta(days=1)) <= DUE_SOON_WORKING_DAYS:
        day += timedelta(days=1)
    return day


def standing_colour(due: date | None, responded: bool, today: date, soon: date) -> str:
    """The colour ``_standing`` gives, without counting working days."""
    if responded:
        return "green"
    if due is None:
        return "grey"
    if due < today:
        return "red"
    return "yellow" if due <= soon else "blue"
