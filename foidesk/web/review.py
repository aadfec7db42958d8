"""The workspace's personal-data review: what the log would show, decided line by line.

Each suggestion (a name, an identifier, an allegation about a named person) gets a keep
or remove, and the reviewer may list more phrases to remove; the register keeps the
review (:mod:`foidesk.foi.personal_data`) and publishing needs it.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from foidesk.foi import personal_data
from foidesk.foi.register import Actor, RequestNotFound
from foidesk.web.pages import render
from foidesk.web.security import check_csrf, signed_in
from foidesk.web.workspace.access import Officer, answer_dir_of, register_of
from foidesk.web.workspace.forms import flash

router = APIRouter(prefix="/workspace", dependencies=[Depends(signed_in), Depends(check_csrf)])


def _page(request: Request, user: Officer, reference: str, *, error: str = "") -> Response:
    register = register_of(request)
    try:
        view, texts = personal_data.review_texts(
            register, reference, _existing(answer_dir_of(request, reference))
        )
    except RequestNotFound as exc:
        raise HTTPException(404) from exc
    stored = register.personal_data_review(reference)
    return render(
        request,
        "workspace/personal_data.html",
        {
            "title": f"Personal-data review: {reference}",
            "nav": "workspace",
            "user": user,
            "reference": reference,
            "suggestions": personal_data.suggestions(texts, register.settings),
            "ncnd": personal_data.is_ncnd(view),
            "stored": stored,
            "removed": personal_data.REMOVED,
            "error": error,
        },
        status=400 if error else 200,
    )


def _existing(answer_dir):  # type: ignore[no-untyped-def]
    return answer_dir if answer_dir is not None and answer_dir.is_dir() else None


@router.get("/requests/{reference}/personal-data")
def review_form(request: Request, reference: str, user: Officer) -> Response:
    """Every suggestion in what the log would show, with keep or remove for each."""
    return _page(request, user, reference)


@router.post("/requests/{reference}/personal-data")
async def record_review(request: Request, reference: str, user: Officer) -> Response:
    """Keep the decisions; an incomplete review is shown again with the reason."""
    form = await request.form()
    decisions = []
    number = 0
    while f"text-{number}" in form:
        choice = str(form.get(f"decision-{number}") or "")
        if choice in ("keep", "remove"):
            decisions.append(
                personal_data.Decision(
                    str(form[f"text-{number}"]),
                    choice == "remove",
                    str(form.get(f"replacement-{number}") or "").strip() or personal_data.REMOVED,
                    str(form.get(f"kind-{number}") or ""),
                )
            )
        number += 1
    for line in str(form.get("more") or "").splitlines():
        if line.strip():
            decisions.append(personal_data.Decision(line.strip(), True, kind="added by reviewer"))
    register = register_of(request)
    try:
        personal_data.record_review(
            register,
            reference,
            _existing(answer_dir_of(request, reference)),
            decisions,
            Actor(user.username, "officer"),
        )
    except RequestNotFound as exc:
        raise HTTPException(404) from exc
    except personal_data.ReviewError as exc:
        return _page(request, user, reference, error=str(exc))
    flash(request, "Personal-data review recorded: the log will show the reviewed text.")
    return RedirectResponse(f"/workspace/requests/{reference}", status_code=303)
