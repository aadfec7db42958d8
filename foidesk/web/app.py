"""The FastAPI application: public disclosure log and officers' workspace in one app.

``create_app(db)`` builds it over a SQLite file or PostgreSQL URL, migrated first, once:
one ``Desk`` holds its databases, folders and background jobs, and no request migrates
or opens a database. ``serve`` runs it with uvicorn. Every page is rendered on the server
with Jinja2 and the GOV.UK Frontend macros, and every asset is served by the app itself.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp

from foidesk.db import upgrade
from foidesk.settings import Settings, load_settings
from foidesk.web import public, requester, review, workspace
from foidesk.web.desk import Desk
from foidesk.web.guard import MAX_BODY_BYTES, MAX_IN_FLIGHT, Guard
from foidesk.web.pages import (
    DEFAULT_SITE_NAME,
    GOVUK_CSS,
    STATIC_DIR,
    environment,
    error_page,
    render,
)
from foidesk.web.security import (
    SESSION_COOKIE,
    CsrfFailure,
    NotAllowed,
    SignInRequired,
    session_secret,
    sign_in_url,
)

BUSY_RETRY_AFTER = "30"
_log = logging.getLogger("foidesk.web")


class DeskApp(FastAPI):
    """FastAPI with the ``Guard`` outside everything, the framework's own error pages included.

    Middleware added the usual way sits inside the framework's last-resort 500 handler,
    so a crash would reach the visitor without the security headers or the quick exit.
    """

    guard_options: dict[str, object]

    def build_middleware_stack(self) -> ASGIApp:
        return Guard(super().build_middleware_stack(), error_page=error_page, **self.guard_options)


def create_app(
    db: str | Path,
    *,
    https: bool = False,
    site_name: str = DEFAULT_SITE_NAME,
    answers_dir: Path | None = None,
    requests_dir: Path | None = None,
    records: Path | None = None,
    migrate: bool = True,
    trusted_hosts: Sequence[str] | None = None,
    max_body: int = MAX_BODY_BYTES,
    max_in_flight: int = MAX_IN_FLIGHT,
    public_pool: dict[str, int] | None = None,
    settings: Settings | None = None,
) -> FastAPI:
    """The web app over the database ``db``.

    ``https`` marks session cookies Secure (set it whenever the app is served over HTTPS,
    including behind a proxy). ``answers_dir`` holds one answer directory per reference,
    published with the response when present; with ``requests_dir`` (request files named
    ``<reference>.yaml``) and ``records`` (the crime-records store), analysts can compute
    a request's tables from the workspace. ``trusted_hosts`` are the host names the
    app answers to (any when None); ``max_body`` caps request bodies in bytes and
    ``max_in_flight`` the requests served at once; ``public_pool`` sizes the public
    pages' own connection pool (SQLAlchemy pool options). ``settings`` (by default the
    installation's, ``foidesk.settings``) name the authority in every page's header and
    the register's.
    """
    settings = settings or load_settings()
    if migrate:
        upgrade(db)
    desk = Desk.open(
        db,
        settings,
        answers_dir=answers_dir,
        requests_dir=requests_dir,
        records=records,
        public_pool=public_pool,
    )
    with desk.sessions() as session:
        secret = session_secret(session)

    app = DeskApp(title=site_name, docs_url=None, redoc_url=None, openapi_url=None)
    app.guard_options = {
        "https": https,
        "trusted_hosts": trusted_hosts,
        "max_body": max_body,
        "max_in_flight": max_in_flight,
    }
    app.state.desk = desk
    app.state.https = https
    app.state.site_name = site_name
    app.state.govuk_assets = GOVUK_CSS.is_file()
    app.state.templates = Jinja2Templates(env=environment())

    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie=SESSION_COOKIE,
        # A cookie that ends with the browser: nothing about the visit is left on the
        # device for hours. The server ends a signed-in session after SESSION_MAX_AGE.
        max_age=None,
        same_site="lax",
        https_only=https,
    )
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(public.router)
    # The review page's own form comes before the workspace's route for any workflow step.
    app.include_router(review.router)
    app.include_router(requester.router)
    app.include_router(workspace.router)

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired) -> Response:
        return RedirectResponse(sign_in_url(request), status_code=303)

    @app.exception_handler(NotAllowed)
    async def _not_allowed(request: Request, exc: NotAllowed) -> Response:
        return render(
            request,
            "error.html",
            {"title": "You cannot do that", "message": f"Your account does not allow this: {exc}."},
            status=403,
        )

    @app.exception_handler(CsrfFailure)
    async def _csrf(request: Request, exc: CsrfFailure) -> Response:
        return render(
            request,
            "error.html",
            {
                "title": "The form has expired",
                "message": "Go back, reload the page and try again.",
            },
            status=403,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        titles = {404: "Page not found", 405: "Not allowed", 429: "Too many attempts"}
        page = error_page(
            request,
            exc.status_code,
            titles.get(exc.status_code, "Sorry, there is a problem"),
            exc.detail
            if exc.status_code != 404
            else "If you typed the web address, check it is correct.",
        )
        # Allow on a 405, Retry-After on a 429: the framework's headers are kept.
        for name, value in (exc.headers or {}).items():
            page.headers[name] = value
        return page

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        fields = sorted({str(e["loc"][-1]) for e in exc.errors() if e.get("loc")})
        return error_page(
            request,
            400,
            "There is a problem with the form",
            "Check these fields and try again: " + ", ".join(fields).replace("_", " ") + "."
            if fields
            else "Go back and check the form.",
        )

    @app.exception_handler(PoolTimeout)
    async def _busy(request: Request, exc: PoolTimeout) -> Response:
        _log.warning("no database connection free for %s", request.url.path)
        page = error_page(
            request,
            503,
            "The site is busy",
            "Too many people are using the site right now. Try again in a minute.",
        )
        page.headers["Retry-After"] = BUSY_RETRY_AFTER
        return page

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        return error_page(
            request,
            500,
            "Sorry, there is a problem with the service",
            "Try again later.",
        )

    return app


def server_config(
    db: str | Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    https: bool = False,
    trusted_hosts: Sequence[str] | None = None,
    forwarded_allow_ips: str | None = None,
    settings: Settings | None = None,
    answers_dir: Path | None = None,
    requests_dir: Path | None = None,
    records: Path | None = None,
) -> Any:
    """The uvicorn configuration ``serve`` runs (a ``uvicorn.Config``).

    The app answers only to ``trusted_hosts``, else the settings' ``web.trusted_hosts``,
    else the address it listens on and the loopback names. uvicorn's own access log is
    off: it records the query string, which holds a visitor's search words, beside their
    address; the app's ``Guard`` logs each request without it. ``X-Forwarded-For`` and
    ``X-Forwarded-Proto`` are believed only from ``forwarded_allow_ips`` (else the
    ``FORWARDED_ALLOW_IPS`` environment variable, else 127.0.0.1): the proxy in front, so
    that sign-in limits count each visitor's own address rather than the proxy's.
    """
    import uvicorn

    settings = settings or load_settings()
    hosts = (
        list(trusted_hosts or ())
        or settings.web.trusted_hosts
        or [host, "localhost", "127.0.0.1", "[::1]"]
    )
    app = create_app(
        db,
        https=https,
        answers_dir=answers_dir,
        requests_dir=requests_dir,
        records=records,
        trusted_hosts=hosts,
        settings=settings,
    )
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
        access_log=False,
        log_level="info",
    )


def serve(db: str | Path, host: str = "127.0.0.1", port: int = 8000, **options: Any) -> None:
    """Run the app with uvicorn until interrupted (options as ``server_config``)."""
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    uvicorn.Server(server_config(db, host, port, **options)).run()
