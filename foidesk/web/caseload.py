"""The register page's rows: every request's deadline worked out in bulk, filtered and paged.

The register page orders open requests by due date, so every open request's deadline is
needed, not only the page's. Loading each request whole took seconds with a thousand
of them; here a few queries read only what sets a deadline (received, receipt rule, the
latest clarification answered, fees notices, the latest extension) and the deadline is
computed once per distinct set of those facts (``register.deadline_from``). Responded
requests follow, most recently received first, counted and paged by the database. Only
the page's rows are turned into the words and explanations the page shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from foidesk.foi import clock, standing
from foidesk.foi.models import Clarification, Extension, FeeNotice, Request
from foidesk.foi.register import deadline_from

PER_PAGE = 50
# What the register can be narrowed to, in the order the filter offers them.
SHOWS = {
    "all": "All requests",
    "open": "Open",
    "overdue": "Overdue",
    "due-soon": "Due soon",
    "stopped": "Clock stopped",
    "responded": "Responded",
}


# The filters a request appears under, by the colour of its deadline's tag.
_SHOWN_AS = {
    "red": frozenset({"all", "open", "overdue"}),
    "yellow": frozenset({"all", "open", "due-soon"}),
    "blue": frozenset({"all", "open"}),
    "grey": frozenset({"all", "open", "stopped"}),
    "green": frozenset({"all", "responded"}),
}


@dataclass(frozen=True)
class CaseRow:
    reference: str
    title: str
    status: str
    deadline: standing.DeadlineStatus


@dataclass(frozen=True)
class CasePage:
    """One page of the register as filtered, with the count under each filter."""

    rows: list[CaseRow]
    total: int
    page: int
    pages: int
    per_page: int
    show: str
    q: str
    counts: dict[str, int]

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.page * self.per_page, self.total)


def _grouped(rows: Iterable[tuple[int, object]]) -> dict[int, list]:
    found: dict[int, list] = {}
    for request_id, value in rows:
        found.setdefault(request_id, []).append(value)
    return found


def caseload(
    session: Session,
    today: date,
    *,
    show: str = "all",
    q: str = "",
    page: int = 1,
    per_page: int = PER_PAGE,
) -> CasePage:
    """The register's page ``page``: open requests first by due date, then responded ones,
    most recently received first.

    ``show`` is one of ``SHOWS``; ``q`` keeps requests whose reference or title holds it.
    Only open requests need their deadlines to be placed; the responded ones, most of a
    register of any age, are counted and paged by the database.
    """
    if show not in SHOWS:
        raise ValueError(f"show {show!r} is not one of {', '.join(SHOWS)}")
    columns = (
        Request.id,
        Request.reference,
        Request.title,
        Request.status,
        Request.received,
        Request.receipt_rule,
    )
    words = q.strip()
    matching = []
    if words:
        pattern = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        matching.append(
            or_(
                Request.reference.ilike(pattern, escape="\\"),
                Request.title.ilike(pattern, escape="\\"),
            )
        )
    responded = Request.status.in_(standing.RESPONDED)
    open_rows = session.execute(select(*columns).where(~responded, *matching)).all()
    responded_count = session.scalar(
        select(func.count()).select_from(Request).where(responded, *matching)
    )
    facts = _Facts(session)
    soon = standing.last_due_soon(today)
    counts = dict.fromkeys(SHOWS, 0)
    counts["all"] = len(open_rows) + (responded_count or 0)
    counts["responded"] = responded_count or 0
    listed = []
    for row in open_rows:
        deadline = facts.deadline(row)
        shown = _SHOWN_AS[standing.standing_colour(deadline.due, False, today, soon)]
        for name in shown:
            if name != "all":
                counts[name] += 1
        if show in shown:
            listed.append(((deadline.due or date.max, row.reference), row, deadline))
    listed.sort(key=lambda item: item[0])
    total = len(listed) + (counts["responded"] if show in ("all", "responded") else 0)
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    start, end = (page - 1) * per_page, page * per_page
    chosen = [(row, deadline) for _, row, deadline in listed[start:end]]
    if show in ("all", "responded") and end > len(listed):
        answered = session.execute(
            select(*columns)
            .where(responded, *matching)
            .order_by(Request.received.desc(), Request.reference)
            .offset(max(0, start - len(listed)))
            .limit(end - max(start, len(listed)))
        ).all()
        chosen += [(row, facts.deadline(row)) for row in answered]
    rows = [
        CaseRow(
            row.reference,
            row.title,
            row.status,
            standing.deadline_status(deadline, row.status, today),
        )
        for row, deadline in chosen
    ]
    return CasePage(rows, total, page, pages, per_page, show, words, counts)


class _Facts:
    """What sets deadlines besides the request itself, read once for the whole register."""

    def __init__(self, session: Session) -> None:
        # The latest clarification answered restarts the count; while one awaits its
        # answer the clock is stopped since it was sought (s1(3)).
        unanswered = case(
            (
                and_(Clarification.answered_on.is_(None), Clarification.closed_on.is_(None)),
                Clarification.sought_on,
            )
        )
        self.clarified: dict[int, date | None] = {}
        self.awaiting: dict[int, date | None] = {}
        for request_id, answered, sought in session.execute(
            select(
                Clarification.request_id,
                func.max(Clarification.answered_on),
                func.min(unanswered),
            ).group_by(Clarification.request_id)
        ):
            self.clarified[request_id], self.awaiting[request_id] = answered, sought
        self.extended = dict(
            session.execute(
                select(Extension.request_id, func.max(Extension.new_due)).group_by(
                    Extension.request_id
                )
            ).all()
        )
        self.notices = _grouped(
            (r.request_id, (r.issued_on, r.paid_on, r.lapsed_on))
            for r in session.execute(
                select(
                    FeeNotice.request_id,
                    FeeNotice.issued_on,
                    FeeNotice.paid_on,
                    FeeNotice.lapsed_on,
                ).order_by(FeeNotice.id)
            )
        )

    def deadline(self, row: Any) -> clock.Deadline:
        return deadline_from(
            row.received,
            self.clarified.get(row.id),
            tuple(self.notices.get(row.id, ())),
            self.extended.get(row.id),
            row.receipt_rule,
            self.awaiting.get(row.id),
        )
