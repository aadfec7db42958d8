"""The s45 statistics page: timeliness and outcomes per month or quarter."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from foidesk.web.pages import render
from foidesk.web.security import CurrentUser
from foidesk.web.workspace.access import register_of, router


@router.get("/statistics")
def statistics(request: Request, user: CurrentUser, period: str = "quarter") -> Response:
    """Timeliness and outcomes per month or quarter, as the s45 Code asks them published."""
    # Imported on use: pandas is only needed on this page.
    from foidesk.foi.timeliness import PERIODS, s45_statistics

    period = period if period in PERIODS else "quarter"
    table = s45_statistics(register_of(request), period)
    return render(
        request,
        "workspace/statistics.html",
        {
            "title": "Statistics",
            "nav": "workspace",
            "user": user,
            "period": period,
            "periods": list(PERIODS),
            "columns": [c for c in table.columns if c != "period"],
            "rows": table.to_dict("records"),
        },
    )
