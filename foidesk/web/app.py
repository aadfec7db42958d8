"""The FastAPI application: public disclosure log and officers' workspace in one app.

``create_app(db)`` builds it over a SQLite file or PostgreSQL URL (migrated first);
``serve`` runs it with uvicorn. Every page is rendered on the server with Jinja2 and the
GOV.UK Frontend macros, and every asset is served by the app itself.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from foidesk.db import make_engine, upgrade
from foidesk.web import public, workspace
from foidesk.web.pages import DEFAULT_SITE_NAME, GOVUK_CSS, STATIC_DIR, environment, render
from foidesk.web.security import (
    SESSION_COOKIE,
    SESSION_MAX_AGE,
    CsrfFailure,
    NotAllowed,
    SecurityHeaders,
    SignInRequired,
    session_secret,
    sign_in_url,
)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Freeze what start-up built out of the garbage collector's reach while serving.

    The app, its templates and libraries are a quarter of a million objects that live as
    long as the process; every full collection walked them all again, pausing whichever
    request was running for about 140 ms.
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def create_app(
    db: str | Path,
    *,
    https: bool = False,
    site_name: str = DEFAULT_SITE_NAME,
    answers_dir: Path | None = None,
    requests_dir: Path | None = None,
    records: Path | None = None,
    migrate: bool = True,
) -> FastAPI:
    """The web app over the database ``db``.

    ``https`` marks session cookies Secure (set it whenever the app is served over HTTPS,
    including behind a proxy). ``answers_dir`` holds one answer directory per reference,
    published with the response when present; with ``requests_dir`` (request files named
    ``<reference>.yaml``) and ``records`` (the crime-records store), analysts can compute
    a request's tables from the workspace.
    """
    if migrate:
        upgrade(db)
    engine = make_engine(db)
    sessions = sessionmaker(engine, expire_on_commit=False)
    with sessions() as session:
        secret = session_secret(session)

    app = FastAPI(
        title=site_name, docs_url=None, redoc_url=None, openapi_url=None, lifespan=_lifespan
    )
    app.state.db = str(db)
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.site_name = site_name
    app.state.answers_dir = Path(answers_dir) if answers_dir else None
    app.state.requests_dir = Path(requests_dir) if requests_dir else None
    app.state.records = Path(records) if records else None
    app.state.register = None
    app.state.govuk_assets = GOVUK_CSS.is_file()
    app.state.templates = Jinja2Templates(env=environment())

    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE,
        same_site="lax",
        https_only=https,
    )
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(public.router)
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
        return render(
            request,
            "error.html",
            {
                "title": titles.get(exc.status_code, "Sorry, there is a problem"),
                "message": exc.detail
                if exc.status_code != 404
                else "If you typed the web address, check it is correct.",
            },
            status=exc.status_code,
        )

    return app


def serve(
    db: str | Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    https: bool = False,
    answers_dir: Path | None = None,
    requests_dir: Path | None = None,
    records: Path | None = None,
) -> None:
    """Run the app with uvicorn until interrupted."""
    import uvicorn

    uvicorn.run(
        create_app(
            db, https=https, answers_dir=answers_dir, requests_dir=requests_dir, records=records
        ),
        host=host,
        port=port,
        proxy_headers=https,
        log_level="info",
    )
