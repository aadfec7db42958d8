"""The app's outermost layer: what every response carries and what no route has to remember.

``Guard`` wraps the whole application, outside FastAPI's own error handling, so that even
the framework's plain responses pass through it. In order, it

- refuses a ``Host`` the installation does not serve (redirects are built from it);
- sheds load: past ``max_in_flight`` requests at once, a new one gets a 503 page at once
  rather than queueing until every client times out;
- caps request bodies before anything reads them (a 413 page), however they are sent;
- answers ``HEAD`` on every ``GET`` route, with the headers of the ``GET`` and no body;
- adds the security headers to every response, ``Cache-Control: no-store`` to all but
  the static assets, and HSTS when served over HTTPS;
- writes the access log itself: method, path and status, never the query string, so a
  victim's search words are not kept beside their address.

Its own refusals are the app's error page, with the quick exit, like every other error.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ACCESS_LOG = logging.getLogger("foidesk.web.access")

# Forms are a few kilobytes; nothing the app accepts comes near this.
MAX_BODY_BYTES = 1024 * 1024
# Requests being served at once, past which a new one is turned away with a 503.
MAX_IN_FLIGHT = 256
HSTS = "max-age=31536000; includeSubDomains"
# Static assets are the same for everyone and reveal nothing; every page is personal.
CACHEABLE_PREFIX = "/static/"


def content_security_policy(nonce: str | None = None) -> str:
    scripts = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    return (
        "default-src 'self'; "
        f"script-src {scripts}; "
        "style-src 'self'; img-src 'self' data:; font-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


def security_headers(*, https: bool) -> dict[str, str]:
    """The headers every response carries (a page's own CSP, with its nonce, wins)."""
    headers = {
        "Content-Security-Policy": content_security_policy(),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if https:
        headers["Strict-Transport-Security"] = HSTS
    return headers


# An error page for the guard's own refusals: (request, status, title, message) -> response.
ErrorPage = Callable[[Request, int, str, str], Response]


class Guard:
    """Pure ASGI middleware around the whole app; see the module's docstring."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        error_page: ErrorPage,
        https: bool = False,
        trusted_hosts: Iterable[str] | None = None,
        max_body: int = MAX_BODY_BYTES,
        max_in_flight: int = MAX_IN_FLIGHT,
    ) -> None:
        self.app = app
        self.error_page = error_page
        self.headers = security_headers(https=https)
        self.trusted_hosts = (
            None if trusted_hosts is None else frozenset(h.lower() for h in trusted_hosts)
        )
        self.max_body = max_body
        self.max_in_flight = max_in_flight
        self.in_flight = 0

    def _host_allowed(self, scope: Scope) -> bool:
        if self.trusted_hosts is None or "*" in self.trusted_hosts:
            return True
        host = Headers(scope=scope).get("host", "")
        # "[::1]:8000" -> "[::1]", "example.org:443" -> "example.org"
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        return name.lower() in self.trusted_hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}
        path = scope.get("path", "")
        status = 500

        async def guarded_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
                if not path.startswith(CACHEABLE_PREFIX):
                    headers["Cache-Control"] = "no-store"
            elif message["type"] == "http.response.body" and head:
                message = {**message, "body": b""}
            await send(message)

        async def refuse(code: int, title: str, message: str, **extra: str) -> None:
            response = self.error_page(Request(scope), code, title, message)
            for name, value in extra.items():
                response.headers[name] = value
            await response(scope, receive, guarded_send)

        try:
            if not self._host_allowed(scope):
                await refuse(400, "Sorry, there is a problem", "This site is not served here.")
                return
            declared = Headers(scope=scope).get("content-length", "")
            if declared.isdigit() and int(declared) > self.max_body:
                await refuse(413, "The form is too large", self._too_large(), Connection="close")
                return
            if self.in_flight >= self.max_in_flight:
                await refuse(
                    503,
                    "The site is busy",
                    "Too many people are using the site right now. Try again in a minute.",
                    **{"Retry-After": "30"},
                )
                return
            self.in_flight += 1
            try:
                body = await self._read_body(receive)
                if body is None:
                    await refuse(
                        413, "The form is too large", self._too_large(), Connection="close"
                    )
                    return
                await self.app(scope, self._replay(body, receive), guarded_send)
            finally:
                self.in_flight -= 1
        finally:
            client = scope.get("client")
            ACCESS_LOG.info(
                '%s "%s %s" %d',
                client[0] if client else "-",
                "HEAD" if head else scope["method"],
                path,
                status,
            )

    def _too_large(self) -> str:
        return f"Nothing sent to this site may be larger than {self.max_body // 1024} KB."

    async def _read_body(self, receive: Receive) -> bytes | None:
        """The whole body, or None once it passes the cap (chunked bodies included).

        Read here, before any route or dependency, because the framework turns errors
        raised while it parses a form into a generic 400.
        """
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(chunks)
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.max_body:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    @staticmethod
    def _replay(body: bytes, receive: Receive) -> Receive:
        """``receive`` giving the body already read, then whatever the client sends next."""
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return replay


def nonce() -> str:
    """A fresh nonce for a page's one inline script."""
    return secrets.token_urlsafe(16)
