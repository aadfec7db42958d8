"""The requester, for officers only: whom to reply to, their other requests, and repeats.

Decisions stay applicant-blind, so none of this is on the request's own page: an officer
opens it to write to the requester, or where the Act looks at who asked (s14 repeated
requests, regulation 5 aggregation). The public never sees it.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from foidesk.foi import repeats
from foidesk.foi.register import RequestNotFound
from foidesk.web.pages import render
from foidesk.web.security import check_csrf, signed_in
from foidesk.web.workspace.access import Officer, answer_dir_of, register_of

router = APIRouter(prefix="/workspace", dependencies=[Depends(signed_in), Depends(check_csrf)])


@router.get("/requests/{reference}/requester")
def requester(request: Request, reference: str, user: Officer) -> Response:
    """The requester's contact and other requests, and what this request repeats."""
    answer_dir_of(request, reference)  # refuses a reference that is not one
    register = register_of(request)
    try:
        record = register.get(reference)
    except RequestNotFound as exc:
        raise HTTPException(404) from exc
    return render(
        request,
        "workspace/requester.html",
        {
            "title": f"Requester: {reference}",
            "nav": "workspace",
            "user": user,
            "record": record,
            "others": repeats.requests_from_requester(register, reference),
            "flags": repeats.find(register, reference).flags,
        },
    )
