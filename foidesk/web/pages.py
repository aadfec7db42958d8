"""Rendering a page: the Jinja2 environment with the GOV.UK Frontend macros, and ``render``.

The app and every router render through here, so the routers do not import the app
module that includes them.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader

from foidesk.web.guard import content_security_policy, nonce
from foidesk.web.security import csrf_token

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
GOVUK_CSS = STATIC_DIR / "govuk" / "govuk-frontend.min.css"
DEFAULT_SITE_NAME = "Freedom of information disclosure log"


def environment() -> Environment:
    env = Environment(
        loader=ChoiceLoader(
            [
                FileSystemLoader(WEB_DIR / "templates"),
                PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
            ]
        ),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["csrf_token"] = csrf_token
    env.filters["long_date"] = long_date
    env.filters["file_size"] = file_size
    env.filters["file_kind"] = file_kind
    env.filters["section_number"] = section_number
    return env


def long_date(day: date | datetime | None) -> str:
    """A date as GOV.UK style writes it: 3 June 2024."""
    return "" if day is None else f"{day.day} {day:%B %Y}"


def file_size(size: int) -> str:
    for unit in ("bytes", "KB", "MB"):
        if size < 1024 or unit == "MB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return str(size)


_KINDS = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel workbook",
    "application/pdf": "PDF",
    "text/csv": "CSV",
    "text/html": "HTML",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word document",
}


def section_number(section: str) -> str:
    """``s31(1)(a)`` as the Act's readers write it after "Section": ``31(1)(a)``."""
    return section[1:] if section[:1] in ("s", "S") and section[1:2].isdigit() else section


def file_kind(media_type: str) -> str:
    return _KINDS.get(media_type, media_type)


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    """A page from ``template``, with a fresh CSP nonce for its one inline script."""
    script_nonce = nonce()
    state = request.app.state
    response = state.templates.TemplateResponse(
        request,
        template,
        {
            "cspNonce": script_nonce,
            "assetPath": "/static/govuk/assets",
            "govuk_assets": state.govuk_assets,
            "site_name": state.site_name,
            "authority_name": state.desk.settings.authority.name,
            **(context or {}),
        },
        status_code=status,
    )
    response.headers["Content-Security-Policy"] = content_security_policy(script_nonce)
    return response


def error_page(request: Request, status: int, title: str, message: str) -> Response:
    """The error page: the site's layout, so the quick exit is there whatever went wrong."""
    return render(request, "error.html", {"title": title, "message": message}, status=status)
