"""Who may reach a workspace page, and what a page reads: the app's register and folders.

Every workspace page's routes are on ``router``, whose dependencies need a signed-in user,
the session's CSRF token on every POST, and a reference in the URL that could be one (so
none can be forgotten); the role a route needs is a type annotation (``Officer``,
``Analyst``, ``Admin``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request

from foidesk.foi.accounts import SignedIn
from foidesk.foi.register import Register
from foidesk.web.desk import Desk
from foidesk.web.security import check_csrf, requires, signed_in

# What a reference may look like before it goes near a path: letters and digits in runs
# joined by single dots, hyphens or underscores, so never "..", "/" or a leading dot.
SAFE_REFERENCE = re.compile(r"[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*")

Officer = Annotated[SignedIn, Depends(requires("officer"))]
Analyst = Annotated[SignedIn, Depends(requires("analyst"))]
Admin = Annotated[SignedIn, Depends(requires("admin"))]


def valid_reference(request: Request) -> None:
    """Refuse a route's ``reference`` that could not be one, before any path is built."""
    reference = request.path_params.get("reference")
    if reference is not None and (len(reference) > 64 or not SAFE_REFERENCE.fullmatch(reference)):
        raise HTTPException(404)


router = APIRouter(
    prefix="/workspace",
    dependencies=[Depends(signed_in), Depends(check_csrf), Depends(valid_reference)],
)


def desk_of(request: Request) -> Desk:
    """The app's service: its register, databases, folders and jobs."""
    return request.app.state.desk


def register_of(request: Request) -> Register:
    """The register the app serves, opened once with the app."""
    return desk_of(request).register


def answer_dir_of(request: Request, reference: str) -> Path | None:
    """The request's answer directory in the app's answers folder (None without one)."""
    if not SAFE_REFERENCE.fullmatch(reference):
        raise HTTPException(404)
    root = desk_of(request).answers_dir
    return root / reference if root is not None else None


def letters_dir_of(request: Request, reference: str) -> Path | None:
    """Where the workspace keeps the letters issued for a request: beside its answer."""
    answer_dir = answer_dir_of(request, reference)
    return answer_dir / "letters" if answer_dir is not None else None
