"""The route that takes any step of the workflow on a request, in the role the workflow
table asks of the signed-in user; the register refuses what the table does not allow,
and the request page shows its reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from foidesk.answers.package import AnswerPackage
from foidesk.foi import letter_kinds, workflow
from foidesk.foi.accounts import SignedIn
from foidesk.foi.letter_kinds import TemplateMissesElement
from foidesk.foi.register import Actor, PartNotFound, RequestNotFound, TransitionError
from foidesk.progress import ProgressCallback
from foidesk.web.disclosure_log import PublishError, check_publishable, publish_answer
from foidesk.web.jobs import JobFailed
from foidesk.web.security import CurrentUser, NotAllowed
from foidesk.web.workspace.access import (
    answer_dir_of,
    desk_of,
    letters_dir_of,
    register_of,
    router,
)
from foidesk.web.workspace.forms import flash, form_date, form_text
from foidesk.web.workspace.job_page import job_started
from foidesk.web.workspace.request_page import back, request_page_response
from foidesk.web.workspace.step_forms import DONE, step_forms


def _act(request: Request, user: SignedIn, reference: str, action: Any, done: str) -> Response:
    """Run a register step; on refusal show the request page with the register's reason."""
    try:
        action()
    except RequestNotFound as exc:
        raise HTTPException(404) from exc
    except (TransitionError, ValueError, KeyError, PartNotFound, PublishError) as exc:
        # A part that does not exist is the form's mistake: shown on the page, as a refusal.
        return request_page_response(request, user, reference, error=str(exc), status=400)
    flash(request, done)
    return back(reference)


@router.post("/requests/{reference}/{command}")
async def take_step(request: Request, reference: str, command: str, user: CurrentUser) -> Response:
    """Any step of the workflow on a request, for a user whose account holds its role."""
    try:
        step = workflow.step(command)
    except KeyError as exc:
        raise HTTPException(404) from exc
    role = workflow.role_for(step, user.roles)
    if role is None or command not in STEP_COMMANDS:
        raise NotAllowed(step.roles)
    form = await request.form()
    who = Actor(user.username, role)
    register = register_of(request)
    if command == "publish":
        answer_dir = answer_dir_of(request, reference)
        if not AnswerPackage.exists(answer_dir):
            answer_dir = None
        return await run_in_threadpool(_start_publishing, request, user, reference, answer_dir)
    if command == "letter":
        return await run_in_threadpool(_start_letter, request, user, reference, who, form)
    form_action = step_forms(register.today)[command]

    def action() -> Any:
        return form_action(register, reference, who, form)

    if command == "decide":
        done = f"Decision recorded for part {form_text(form, 'part')}."
    else:
        done = DONE.get(command, f"Recorded: {step.name}.")
    return await run_in_threadpool(_act, request, user, reference, action, done)


def _start_publishing(
    request: Request, user: SignedIn, reference: str, answer_dir: Path | None
) -> Response:
    """Publish in the background (the letter's PDF takes a while) once the quick checks pass;
    a refusal shows on the request's page at once."""
    desk = desk_of(request)
    try:
        check_publishable(desk.register, reference, answer_dir)
    except RequestNotFound as exc:
        raise HTTPException(404) from exc
    except (TransitionError, ValueError, PublishError) as exc:
        return request_page_response(request, user, reference, error=str(exc), status=400)

    def work(progress: ProgressCallback) -> str:
        try:
            return publish_answer(
                desk.register, reference, answer_dir, published_by=user.username, progress=progress
            )
        except (TransitionError, ValueError, PublishError) as exc:
            raise JobFailed(str(exc)) from exc

    return job_started(desk.jobs.start("publish", reference, user.username, work))


def _start_letter(
    request: Request, user: SignedIn, reference: str, who: Actor, form: Any
) -> Response:
    """Issue a letter in the background (its tagged PDF takes seconds) once the quick checks
    pass: the workflow's and the letter's elements, so a refusal shows on the request's page
    at once and the job only writes what was checked."""
    desk = desk_of(request)
    register = desk.register
    answer_dir = answer_dir_of(request, reference)
    letters_dir = letters_dir_of(request, reference)
    try:
        day = form_date(form_text(form, "on"), "date of the letter", register.today())
        if answer_dir is None or letters_dir is None:
            raise TransitionError(
                "letters are kept beside the answers: start the workspace with an answers directory"
            )
        kind = form_text(form, "kind")
        letter_kinds.kind(kind)  # an unknown kind names the known
        # The response lists the answer's tables and files.
        options = {"answer_dir": answer_dir}
        register.check_letter(reference, kind, day, who)
        letter_kinds.checked_html(register, reference, kind, day, options)
    except RequestNotFound as exc:
        raise HTTPException(404) from exc
    except (TransitionError, ValueError, KeyError, TemplateMissesElement) as exc:
        # A template that drops an element is the desk's fault, but the officer is told
        # what the letter lacks rather than shown a server error.
        return request_page_response(request, user, reference, error=str(exc), status=400)

    def work(progress: ProgressCallback) -> str:
        progress("Writing the letter and its tagged PDF", 0, 1)
        try:
            letter_kinds.issue(register, reference, kind, letters_dir, who, on=day, options=options)
        except (TransitionError, ValueError, KeyError, TemplateMissesElement) as exc:
            # The request changed between the checks and the job (another officer's step),
            # and the letter it now makes may need an element its template does not show.
            raise JobFailed(str(exc)) from exc
        progress("Letter issued", 1, 1)
        return f"/workspace/requests/{reference}#letters"

    return job_started(desk.jobs.start("letter", reference, user.username, work))


# Steps with their own route: logging (the register page's form) and the personal-data
# review (its own page, foidesk.web.review). This route takes every other step.
STEP_COMMANDS = frozenset(s.command for s in workflow.STEPS) - {"new", "personal-data"}
