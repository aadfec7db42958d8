"""One request's page: where it stands, the steps the signed-in user may take, the letters
issued for it, and the letter and audit trail read from the register."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from fastapi import HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from foidesk.answers.package import AnswerPackage, sha256_file
from foidesk.foi import letter_kinds, workflow
from foidesk.foi.accounts import SignedIn
from foidesk.foi.exemptions import DECISIONS, catalogue
from foidesk.foi.letters import render_letter
from foidesk.foi.models import Request as RegisterRequest
from foidesk.foi.register import REQUESTER_TYPES, RequestNotFound
from foidesk.foi.repeats import aggregation_candidates
from foidesk.foi.standing import deadline_status
from foidesk.web.disclosure_log import clean_letter, published
from foidesk.web.pages import render
from foidesk.web.security import CurrentUser
from foidesk.web.workspace.access import (
    Officer,
    answer_dir_of,
    letters_dir_of,
    register_of,
    router,
)
from foidesk.web.workspace.step_forms import STEP_FIELDS


def back(reference: str, anchor: str = "") -> RedirectResponse:
    """Back to the request's page (after a step, a POST-redirect-GET)."""
    return RedirectResponse(f"/workspace/requests/{reference}{anchor}", status_code=303)


@dataclass(frozen=True)
class IssuedLetterRow:
    """A letter issued for the request, as its page lists it: the files still as issued."""

    title: str
    issued_on: date
    issued_by: str
    files: tuple[tuple[str, str], ...]  # (label, file name), PDF first


def _as_issued(letters_dir: Path | None, entry: dict) -> Path | None:
    """The letter's file in ``letters_dir`` if it is there, unchanged since it was issued."""
    if letters_dir is None:
        return None
    found = letters_dir / Path(str(entry.get("file", ""))).name
    if not found.is_file() or sha256_file(found) != entry.get("sha256"):
        return None
    return found


def issued_letters(record: RegisterRequest, letters_dir: Path | None) -> list[IssuedLetterRow]:
    """The letters the register recorded for the request (``foi_letters``), oldest first."""
    rows = []
    for letter in sorted(record.letters, key=lambda x: (x.issued_on, x.id)):
        # A kind no longer defined still names its letters, by the name it was issued under.
        kind = letter_kinds.KINDS.get(letter.kind)
        title = kind.title if kind else letter.kind
        files = sorted(
            (
                (Path(f["file"]).suffix.lstrip(".").upper(), Path(f["file"]).name)
                for f in letter.files
                if _as_issued(letters_dir, f) is not None
            ),
            key=lambda f: f[0] != "PDF",
        )
        rows.append(IssuedLetterRow(title, letter.issued_on, letter.issued_by, tuple(files)))
    return rows


def request_page_response(
    request: Request,
    user: SignedIn,
    reference: str,
    *,
    error: str = "",
    status: int = 200,
) -> Response:
    """The request's page, with ``error`` (a refused step's reason) shown above its forms."""
    register = register_of(request)
    try:
        record = register.get(reference)
    except RequestNotFound as exc:
        raise HTTPException(404) from exc
    today = register.today()
    answer_dir = answer_dir_of(request, reference)
    with request.app.state.desk.sessions() as session:
        on_log = published(session, reference) is not None
    timing = register.timing()
    allowed = {s.command for s in workflow.allowed_steps(record, user, timing)}
    return render(
        request,
        "workspace/request.html",
        {
            "title": f"{reference}: {record.title}",
            "nav": "workspace",
            "user": user,
            "record": record,
            "deadline": deadline_status(register.deadline_for(record), record.status, today),
            "estimate": register.cost_estimate(reference)
            if record.cost_lines or record.aggregations
            else None,
            "problems": register.s17_problems(reference),
            "decisions": DECISIONS,
            "exemptions": sorted(catalogue().values(), key=lambda e: e.section),
            "allowed": allowed,
            "steps": workflow.BY_COMMAND,
            "other": [(c, fields) for c, fields in STEP_FIELDS.items() if c in allowed],
            "fingerprint": workflow.fingerprint(record),
            "notices": workflow.decision_notices(record),
            "due_steps": workflow.due_steps(record, timing),
            "candidates": aggregation_candidates(register, reference)
            if "aggregate" in allowed
            else [],
            "requester_types": REQUESTER_TYPES,
            "awaiting_reviewer": bool(record.submitted_by and not record.approved_by),
            "on_log": on_log,
            "has_answer": AnswerPackage.exists(answer_dir),
            "letters": issued_letters(record, letters_dir_of(request, reference)),
            "today": today,
            "error": error,
            "flash": request.session.pop("flash", ""),
        },
        status=status,
    )


@router.get("/requests/{reference}")
def request_page(request: Request, reference: str, user: CurrentUser) -> Response:
    return request_page_response(request, user, reference)


@router.get("/requests/{reference}/letter")
def letter_preview(request: Request, reference: str, user: CurrentUser) -> Response:
    """The response letter as it stands, rendered from the register: what will be published."""
    register = register_of(request)
    answer_dir = answer_dir_of(request, reference)
    try:
        letter = render_letter(
            register, reference, answer_dir if answer_dir and answer_dir.is_dir() else None
        )
    except RequestNotFound as exc:
        raise HTTPException(404) from exc
    return render(
        request,
        "workspace/letter.html",
        {
            "title": f"Letter preview: {reference}",
            "nav": "workspace",
            "user": user,
            "reference": reference,
            "letter": clean_letter(letter),
        },
    )


@router.get("/requests/{reference}/letters/{filename}")
def letter_file(request: Request, reference: str, filename: str, user: Officer) -> Response:
    """A letter issued for the request, as it was issued: only a file the register recorded
    for one of its letters, unchanged since (its SHA-256), is served."""
    try:
        record = register_of(request).get(reference)
    except RequestNotFound as exc:
        raise HTTPException(404) from exc
    entry = next(
        (f for letter in record.letters for f in letter.files if f["file"] == filename), None
    )
    found = _as_issued(letters_dir_of(request, reference), entry) if entry else None
    if found is None:
        raise HTTPException(404)
    media_type = "application/pdf" if found.suffix == ".pdf" else "text/html; charset=utf-8"
    return Response(
        found.read_bytes(),
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{found.name}"'},
    )


@router.get("/requests/{reference}/audit")
def audit_trail(request: Request, reference: str, user: CurrentUser) -> Response:
    register = register_of(request)
    try:
        entries = register.audit_trail(reference)
    except RequestNotFound as exc:
        raise HTTPException(404) from exc
    return render(
        request,
        "workspace/audit.html",
        {
            "title": f"Audit trail: {reference}",
            "nav": "workspace",
            "user": user,
            "reference": reference,
            "entries": entries,
        },
    )
