"""s45 statistics: how many requests were answered, how promptly, and with what outcome.

Per month or quarter of receipt, as the s45 Code of Practice counts them: requests
received, how many of them were answered, answered within the statutory 20 working days
(after any clarification restart and fee pause) or within a public interest extension,
are still open, extensions used, and the outcome of each answered request; how many of
the requests received came from each type of requester (individual, media, business...,
as recorded when the request was logged; counts only, never a request's own type); and
internal reviews asked for in the period, decided, within 20 working days, the median time
taken and their outcomes. The same figures go to CSV and to the web workspace.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

import pandas as pd

from foidesk.foi import clock
from foidesk.foi.models import Request
from foidesk.foi.register import REQUESTER_TYPES, Register

OUTCOMES: tuple[str, ...] = (
    "granted in full",
    "granted in part",
    "withheld in full",
    "not held",
    "neither confirm nor deny",
    "cost limit (s12)",
    "vexatious (s14)",
)
PERIODS = {"month": "M", "quarter": "Q"}
# A column per requester type, and one for requests logged without one.
REQUESTER_COLUMNS: tuple[str, ...] = (
    *(f"from {t}" for t in REQUESTER_TYPES),
    "from requester not recorded",
)
# How an internal review ends; the recorded outcome starts with one of these words.
REVIEW_OUTCOMES: tuple[str, ...] = ("upheld", "partly upheld", "overturned")
S45_COLUMNS: tuple[str, ...] = (
    "period", "received", "answered", "still_open", "answered_within_20_working_days",
    "answered_within_extended_time", "answered_late", "extensions_used", "percent_in_time",
    *OUTCOMES, *REQUESTER_COLUMNS, "internal_reviews_requested", "internal_reviews_decided",
    "internal_reviews_within_20_working_days", "internal_review_median_working_days",
    *(f"review {o}" for o in (*REVIEW_OUTCOMES, "other")),
)  # fmt: skip


def request_outcome(request: Request) -> str | None:
    """The outcome of a whole request from its parts' decisions (None until answered)."""
    if request.responded_on is None:
        return None
    decisions = [p.decision for p in request.parts]
    sections = {e.section for p in request.parts for e in p.exemptions}
    disclosed = any(d in ("disclosed", "partly disclosed") for d in decisions)
    if "s14" in sections:
        return "vexatious (s14)"
    if all(d == "disclosed" for d in decisions):
        return "granted in full"
    if disclosed:
        return "granted in part"
    if "s12" in sections:
        return "cost limit (s12)"
    if all(d == "not held" for d in decisions):
        return "not held"
    if all(d == "neither confirm nor deny" for d in decisions):
        return "neither confirm nor deny"
    return "withheld in full"


def request_timeliness(
    register: Register, requests: Iterable[Request] | None = None
) -> pd.DataFrame:
    """One row per request: its dates, due dates, whether it was answered in time, its outcome."""
    rows = []
    for request in requests if requests is not None else register.list_requests():
        deadline = register.deadline_for(request)
        answered = request.responded_on
        statutory, due = deadline.statutory_due, deadline.due
        rows.append(
            {
                "reference": request.reference,
                "received": request.received,
                "responded_on": answered,
                "statutory_due": statutory,
                "due": due,
                "extended": bool(request.extensions),
                "within_20_working_days": bool(answered and statutory and answered <= statutory),
                "within_extended_time": bool(
                    answered
                    and request.extensions
                    and due
                    and statutory
                    and statutory < answered <= due
                ),
                "outcome": request_outcome(request),
                "requester_type": request.requester_type,
            }
        )
    columns = [
        "reference", "received", "responded_on", "statutory_due", "due", "extended",
        "within_20_working_days", "within_extended_time", "outcome", "requester_type",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def _period(day: date | None, period: str) -> str | None:
    if day is None:
        return None
    return str(pd.Period(day, freq=PERIODS[period]))


def review_outcome(outcome: str) -> str:
    """An internal review's outcome as the statistics count it, from the recorded words."""
    words = outcome.strip().lower()
    for label in REVIEW_OUTCOMES:
        if words.startswith(label) or words.startswith(label.replace("partly", "partially")):
            return label
    return "other"


def review_timeliness(register: Register) -> pd.DataFrame:
    """One row per internal review: when asked for and decided, working days, outcome."""
    rows = []
    for request in register.list_requests():
        for review in request.reviews:
            days = (
                clock.working_days_between(review.requested_on, review.decided_on)
                if review.decided_on
                else None
            )
            rows.append(
                {
                    "reference": request.reference,
                    "requested_on": review.requested_on,
                    "decided_on": review.decided_on,
                    "working_days": days,
                    "outcome": review_outcome(review.outcome) if review.decided_on else None,
                }
            )
    columns = ["reference", "requested_on", "decided_on", "working_days", "outcome"]
    return pd.DataFrame(rows, columns=columns)


def s45_statistics(register: Register, period: str = "month") -> pd.DataFrame:
    """Counts per month or quarter, as the s45 Code of Practice reports them.

    Requests are counted in the period they were received, with how many of those were
    answered, answered in time or late, are still open, and their outcomes. Internal
    reviews are counted in the period they were asked for, with how many were decided,
    within 20 working days, the median working days taken and their outcomes.
    """
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}")
    detail = request_timeliness(register)
    reviews = review_timeliness(register)
    if detail.empty:
        return pd.DataFrame(columns=S45_COLUMNS)
    detail["period"] = [_period(d, period) for d in detail["received"]]
    reviews["period"] = [_period(d, period) for d in reviews["requested_on"]]
    rows = []
    for label in sorted(set(detail["period"]) | set(reviews["period"])):
        received = detail[detail["period"] == label]
        answered = received[received["responded_on"].notna()]
        in_20 = int(answered["within_20_working_days"].sum())
        in_ext = int(answered["within_extended_time"].sum())
        asked = reviews[reviews["period"] == label]
        decided = asked[asked["decided_on"].notna()]
        row = {
            "period": label,
            "received": len(received),
            "answered": len(answered),
            "still_open": len(received) - len(answered),
            "answered_within_20_working_days": in_20,
            "answered_within_extended_time": in_ext,
            "answered_late": len(answered) - in_20 - in_ext,
            "extensions_used": int(answered["extended"].sum()),
            "percent_in_time": round(100 * (in_20 + in_ext) / len(answered), 1)
            if len(answered)
            else None,
            **{outcome: int((answered["outcome"] == outcome).sum()) for outcome in OUTCOMES},
            **{
                column: int((received["requester_type"] == kind).sum())
                for column, kind in zip(REQUESTER_COLUMNS, (*REQUESTER_TYPES, ""), strict=True)
            },
            "internal_reviews_requested": len(asked),
            "internal_reviews_decided": len(decided),
            "internal_reviews_within_20_working_days": int((decided["working_days"] <= 20).sum()),
            "internal_review_median_working_days": float(decided["working_days"].median())
            if len(decided)
            else None,
            **{
                f"review {outcome}": int((decided["outcome"] == outcome).sum())
                for outcome in (*REVIEW_OUTCOMES, "other")
            },
        }
        rows.append(row)
    return pd.DataFrame(rows, columns=S45_COLUMNS)


def write_s45_csv(register: Register, path: str | Path, period: str = "month") -> Path:
    """The s45 statistics as CSV (UTF-8, header row)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    s45_statistics(register, period).to_csv(path, index=False)
    return path
