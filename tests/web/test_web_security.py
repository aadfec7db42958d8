"""Security: anonymous visitors refused everywhere private, CSRF, cookies, passwords, throttling."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from site_setup import csrf_of, make_user, sign_in

from foidesk.db import open_session
from foidesk.foi import workflow
from foidesk.foi.accounts import (
    FREE_FAILURES,
    AccountError,
    TooManyAttempts,
    add_user,
    authenticate,
)
from foidesk.foi.models import LoginAttempt, User
from foidesk.web.app import create_app

PUBLIC = {"/", "/log", "/log/{reference}", "/log/{reference}/files/{filename}", "/accessibility",
          "/cookies", "/login"}  # fmt: skip


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "01.FOI.24.035331", path)


def every_route(routes: list) -> list[APIRoute]:
    """The app's API routes, looking inside included routers (FastAPI keeps them nested)."""
    found = []
    for route in routes:
        nested = getattr(route, "original_router", None)
        if nested is not None:
            found.extend(every_route(nested.routes))
        elif isinstance(route, APIRoute):
            found.append(route)
    return found


def test_every_route_but_the_public_ones_refuses_anonymous_visitors(app: FastAPI) -> None:
    client = TestClient(app)
    routes = every_route(app.routes)
    checked = 0
    for route in routes:
        if route.path in PUBLIC:
            assert "public" in route.tags, route.path
            continue
        assert "public" not in route.tags, route.path
        # The one route that takes any step of the workflow is tried with every step.
        commands = [s.command for s in workflow.STEPS] if "{command}" in route.path else [""]
        for method in route.methods:
            for command in commands:
                path = _concrete(route.path.replace("{command}", command))
                response = client.request(method, path, follow_redirects=False)
                refused = response.status_code in (401, 403) or (
                    response.status_code == 303
                    and response.headers["location"].startswith("/login")
                )
                assert refused, f"{method} {path} answered {response.status_code}"
                checked += 1
    # The workspace has more than a dozen routes and two dozen steps; all were tried.
    assert checked >= 30
    assert {r.path for r in routes} >= PUBLIC


def test_public_pages_set_no_cookies(app: FastAPI) -> None:
    client = TestClient(app)
    for path in ("/", "/log", "/log?q=abuse&year=2024", "/accessibility", "/cookies", "/log/x"):
        response = client.get(path)
        assert "set-cookie" not in response.headers, path
    assert not client.cookies


def test_session_cookie_is_httponly_samesite_and_secure_over_https(web_db: str) -> None:
    plain = TestClient(create_app(web_db, migrate=False)).get("/login").headers["set-cookie"]
    assert "httponly" in plain.lower() and "samesite=lax" in plain.lower()
    assert "secure" not in plain.lower()
    secure = TestClient(
        create_app(web_db, https=True, migrate=False), base_url="https://testserver"
    )
    cookie = secure.get("/login").headers["set-cookie"].lower()
    assert "secure" in cookie and "httponly" in cookie


def test_security_headers_and_nonce_only_scripts(app: FastAPI) -> None:
    response = TestClient(app).get("/log")
    policy = response.headers["content-security-policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert "default-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert f'nonce="{nonce}"' in response.text
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"


def test_login_without_csrf_token_is_refused(app: FastAPI, web_db: str) -> None:
    password = make_user(web_db, "officer.one", "officer")
    client = TestClient(app)
    client.get("/login")
    response = client.post("/login", data={"username": "officer.one", "password": password})
    assert response.status_code == 403
    assert "The form has expired" in response.text


def test_state_changing_workspace_form_needs_the_sessions_token(client_as, web_db: str) -> None:
    admin = client_as("admin.one", "admin")
    page = admin.get("/workspace/users")
    forged = admin.post(
        "/workspace/users",
        data={"username": "intruder", "roles": "admin", "csrf_token": "not-the-token"},
    )
    assert forged.status_code == 403
    with open_session(web_db) as session:
        assert session.query(User).filter_by(username="intruder").count() == 0
    made = admin.post(
        "/workspace/users",
        data={"username": "analyst.one", "roles": ["analyst"], "csrf_token": csrf_of(page.text)},
    )
    assert made.status_code == 200
    password = re.search(r'id="new-password">([^<]+)<', made.text).group(1)
    fresh = TestClient(admin.app)
    sign_in(fresh, "analyst.one", password)
    assert fresh.get("/workspace").status_code == 200


def test_roles_are_enforced_per_action(client_as) -> None:
    analyst = client_as("analyst.one", "analyst")
    assert analyst.get("/workspace/users").status_code == 403
    token = csrf_of(analyst.get("/workspace").text)
    refused = analyst.post(
        "/workspace/requests/01.FOI.24.000001/approve", data={"csrf_token": token}
    )
    assert refused.status_code == 403
    assert "reviewer" in refused.text


def test_passwords_are_argon2_hashes_and_generated(web_db: str) -> None:
    with open_session(web_db) as session:
        password = add_user(session, "officer.one", ["officer,analyst"])
        user = session.query(User).filter_by(username="officer.one").one()
        assert user.password_hash.startswith("$argon2id$")
        assert password not in user.password_hash
        assert len(password) >= 20
        assert user.role_set == {"officer", "analyst"}
        assert add_user(session, "officer.two", ["officer"]) != password
        with pytest.raises(AccountError, match="at least 12 characters"):
            add_user(session, "officer.three", ["officer"], "short")
        with pytest.raises(AccountError, match="unknown role chief"):
            add_user(session, "officer.three", ["chief"])


def test_sign_in_is_throttled_per_user_and_address(web_db: str) -> None:
    with open_session(web_db) as session:
        password = add_user(session, "officer.one", ["officer"])
        for _ in range(FREE_FAILURES):
            assert authenticate(session, "officer.one", "wrong password!", "10.0.0.1") is None
        with pytest.raises(TooManyAttempts) as refused:
            authenticate(session, "officer.one", password, "10.0.0.1")
        assert 0 < refused.value.retry_after <= 15 * 60 + 1
        # Another address is not held back by the first one's failures.
        assert authenticate(session, "officer.one", password, "10.0.0.2") is not None
        # Once the failures are older than the window, sign-in works again.
        for attempt in session.query(LoginAttempt).filter_by(address="10.0.0.1"):
            attempt.attempted_at = datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=16)
        session.commit()
        assert authenticate(session, "officer.one", password, "10.0.0.1") is not None


def test_throttled_sign_in_page_says_so(app: FastAPI, web_db: str) -> None:
    make_user(web_db, "officer.one", "officer")
    client = TestClient(app)
    token = csrf_of(client.get("/login").text)
    codes = [
        client.post(
            "/login",
            data={"username": "officer.one", "password": "nope nope nope", "csrf_token": token},
        ).status_code
        for _ in range(FREE_FAILURES + 1)
    ]
    assert codes == [401] * FREE_FAILURES + [429]
    last = client.post(
        "/login", data={"username": "officer.one", "password": "x", "csrf_token": token}
    )
    assert "Too many failed sign-ins" in last.text
    assert int(last.headers["retry-after"]) > 0


def test_sign_in_only_returns_to_workspace_paths(app: FastAPI, web_db: str) -> None:
    password = make_user(web_db, "officer.one", "officer")
    client = TestClient(app)
    token = csrf_of(client.get("/login?next=//evil.example/").text)
    response = client.post(
        "/login",
        data={"username": "officer.one", "password": password, "csrf_token": token,
              "next": "https://evil.example/"},
        follow_redirects=False,
    )  # fmt: skip
    assert response.headers["location"] == "/workspace"


def test_deactivated_user_loses_access_at_once(client_as, web_db: str) -> None:
    from foidesk.foi.accounts import deactivate_user

    officer = client_as("officer.one", "officer")
    assert officer.get("/workspace").status_code == 200
    with open_session(web_db) as session:
        deactivate_user(session, "officer.one")
    assert officer.get("/workspace", follow_redirects=False).status_code == 303


def test_static_assets_are_served_locally(app: FastAPI) -> None:
    client = TestClient(app)
    page = client.get("/log").text
    for asset in re.findall(r'(?:href|src)="(/static/[^"]+)"', page):
        assert client.get(asset).status_code == 200, asset
    assert "https://" not in "".join(re.findall(r"<(?:link|script)[^>]+>", page))


def test_missing_govuk_assets_fall_back_to_minimal_css(
    web_db: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from foidesk.web import app as app_module

    monkeypatch.setattr(app_module, "GOVUK_CSS", tmp_path / "absent.css")
    page = TestClient(create_app(web_db, migrate=False)).get("/log").text
    assert "/static/minimal.css" in page and "govuk-frontend.min.css" not in page


def test_the_govuk_frontend_assets_are_built_and_served(app: FastAPI) -> None:
    from foidesk.web.app import GOVUK_CSS

    assert GOVUK_CSS.is_file(), "GOV.UK Frontend is missing: run `make web-assets`"
    client = TestClient(app)
    assert "/static/govuk/govuk-frontend.min.css" in client.get("/log").text
    css = client.get("/static/govuk/govuk-frontend.min.css")
    assert css.status_code == 200 and ".govuk-button" in css.text
