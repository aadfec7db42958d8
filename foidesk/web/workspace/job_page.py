"""A background job's page: how far it has got, refreshing itself until it is done, then
its result or the error that stopped it (``foidesk.web.jobs``)."""

from __future__ import annotations

import re

from fastapi import HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from foidesk.web.pages import render
from foidesk.web.security import CurrentUser
from foidesk.web.workspace.access import desk_of, router

REFRESH_SECONDS = 2
JOB_ID = re.compile(r"[0-9a-f]{32}")
# What each kind of job is called on its page, what it says when done, and its result.
KINDS = {
    "tables": (
        "Computing the tables",
        "Tables computed with disclosure control applied.",
        "See the tables",
    ),
    "publish": ("Publishing", "Published to the disclosure log.", "See it on the log"),
    "letter": ("Issuing a letter", "Letter issued and recorded.", "See the letters issued"),
}


def job_started(job_id: str) -> RedirectResponse:
    """After starting a job: to its page (POST-redirect-GET)."""
    return RedirectResponse(f"/workspace/jobs/{job_id}", status_code=303)


@router.get("/jobs/{job_id}")
def job_page(request: Request, job_id: str, user: CurrentUser) -> Response:
    job = desk_of(request).jobs.get(job_id) if JOB_ID.fullmatch(job_id) else None
    if job is None:
        raise HTTPException(404)
    what, done_message, result_label = KINDS[job.kind]
    return render(
        request,
        "workspace/job.html",
        {
            "title": f"{what}: {job.reference}",
            "nav": "workspace",
            "user": user,
            "job": job,
            "what": what,
            "done_message": done_message,
            "result_label": result_label,
            "refresh_seconds": REFRESH_SECONDS,
        },
    )
