"""s45 statistics: how many requests were answered, how promptly, and with what outcome.

Per month or quarter: requests received, requests answered, answered within the statutory
20 working days (after any clarification restart and fee pause), answered within a public
interest extension, extensions used, and the outcome of each answered request. The same
figures go to CSV and to the web workspace.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

import pandas as pd

from foidesk.foi.models import Request
from foidesk.foi.register import Register

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
            }
        )
    columns = [
        "reference", "received", "responded_on", "statutory_due", "due", "extended",
        "within_20_working_days", "within_extended_time", "outcome",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def _period(day: date | None, period: str) -> str | None:
    if day is None:
        return None
    return str(pd.Period(day, freq=PERIODS[period]))


def s45_statistics(register: Register, period: str = "month") -> pd.DataFrame:
    """Counts per month or quarter, as the s45 Code's published statistics report them.

    Received requests are counted in the period they arrived; answered ones, with their
    timeliness and outcome, in the period they were answered.
    """
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}")
    detail = request_timeliness(register)
    columns = [
        "period", "received", "answered", "answered_within_20_working_days",
        "answered_within_extended_time", "answered_late", "extensions_used",
        "percent_in_time", *OUTCOMES,
    ]  # fmt: skip
    if detail.empty:
        return pd.DataFrame(columns=columns)
    detail["received_period"] = [_period(d, period) for d in detail["received"]]
    detail["answered_period"] = [_period(d, period) for d in detail["responded_on"]]
    periods = sorted(set(detail["received_period"]) | set(detail["answered_period"].dropna()))
    rows = []
    for label in periods:
        received = detail[detail["received_period"] == label]
        answered = detail[detail["answered_period"] == label]
        in_20 = int(answered["within_20_working_days"].sum())
        in_ext = int(answered["within_extended_time"].sum())
        row = {
            "period": label,
            "received": len(received),
            "answered": len(answered),
            "answered_within_20_working_days": in_20,
            "answered_within_extended_time": in_ext,
            "answered_late": len(answered) - in_20 - in_ext,
            "extensions_used": int(answered["extended"].sum()),
            "percent_in_time": round(100 * (in_20 + in_ext) / len(answered), 1)
            if len(answered)
            else None,
        }
        for outcome in OUTCOMES:
            row[outcome] = int((answered["outcome"] == outcome).sum())
        rows.append(row)
    return pd.DataFrame(rows, columns=columns)


def write_s45_csv(register: Register, path: str | Path, period: str = "month") -> Path:
    """The s45 statistics as CSV (UTF-8, header row)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    s45_statistics(register, period).to_csv(path, index=False)
    return path
