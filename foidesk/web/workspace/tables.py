"""A request's tables: computed from its request file over the crime records, with
disclosure control applied, and previewed as last computed."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from fastapi import HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from foidesk.answers.package import AnswerPackage, PackageError
from foidesk.progress import ProgressCallback
from foidesk.web.disclosure_log import published_disclosures
from foidesk.web.jobs import JobFailed
from foidesk.web.pages import render
from foidesk.web.security import CurrentUser
from foidesk.web.workspace.access import SAFE_REFERENCE, Analyst, answer_dir_of, desk_of, router
from foidesk.web.workspace.job_page import job_started


@dataclass(frozen=True)
class TablePreview:
    title: str
    file: str
    header: list[str]
    rows: list[list[str]]


def _tables(package: AnswerPackage) -> list[TablePreview]:
    previews = []
    for table in package.manifest.tables:
        path = package.directory / str(table.file or "")
        if not path.is_file() or path.suffix != ".csv":
            continue
        reader = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
        if reader:
            previews.append(TablePreview(table.title, path.name, reader[0], reader[1:51]))
    return previews


@router.get("/requests/{reference}/tables")
def tables(request: Request, reference: str, user: CurrentUser) -> Response:
    """The request's tables with their disclosure-control result, as last computed."""
    answer_dir = answer_dir_of(request, reference)
    package: AnswerPackage | None = None
    previews: list[TablePreview] = []
    error = request.session.pop("tables_error", "")
    if AnswerPackage.exists(answer_dir):
        try:
            package = AnswerPackage.read(answer_dir)
            previews = _tables(package)
        except PackageError as exc:
            error = error or str(exc)
    return render(
        request,
        "workspace/tables.html",
        {
            "title": f"Tables: {reference}",
            "nav": "workspace",
            "user": user,
            "reference": reference,
            "package": package,
            "control": package.manifest.disclosure_control if package else None,
            "previews": previews,
            "can_run": _request_file(request, reference) is not None
            and desk_of(request).records is not None,
            "jobs": desk_of(request).jobs.for_request(reference),
            "error": error,
            "flash": request.session.pop("flash", ""),
        },
    )


def _request_file(request: Request, reference: str) -> Path | None:
    root = desk_of(request).requests_dir
    if root is None:
        return None
    if not SAFE_REFERENCE.fullmatch(reference):
        raise HTTPException(404)
    path = Path(root) / f"{reference}.yaml"
    return path if path.is_file() else None


@router.post("/requests/{reference}/tables")
def run_tables(request: Request, reference: str, user: Analyst) -> Response:
    """Start computing the request's tables from its request file, with disclosure control
    applied, as a background job; its page follows it."""
    desk = desk_of(request)
    request_file = _request_file(request, reference)
    answer_dir = answer_dir_of(request, reference)
    records = desk.records
    if request_file is None or answer_dir is None or records is None:
        request.session["tables_error"] = (
            "This workspace has no request file, answers folder or crime records configured "
            "for this request (see foidesk serve --help)."
        )
        return RedirectResponse(f"/workspace/requests/{reference}/tables", status_code=303)

    def work(progress: ProgressCallback) -> str:
        # Imported on use: the statistics engine loads Ibis, which slows the app's start.
        from foidesk.answers.answer import answer

        progress("Reading the disclosures already on the log", 0, 0)
        with desk.sessions() as session:
            published = published_disclosures(session)
        try:
            answer(request_file, records, answer_dir, progress=progress, published=published)
        except (ValueError, LookupError, OSError) as exc:
            raise JobFailed(str(exc)) from exc
        return f"/workspace/requests/{reference}/tables"

    return job_started(desk.jobs.start("tables", reference, user.username, work))
