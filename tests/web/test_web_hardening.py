"""What a penetration and load test found: error pages, pools, shedding, headers, inputs.

Every error page (the framework's own included) is the site's page with the quick exit
and every security header; public pages have their own connections; bodies are capped
before anything reads them; numbers and references are checked before use.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from site_setup import csrf_of, make_user, sign_in
from sqlalchemy import text

from foidesk.foi.register import Register
from foidesk.web.app import create_app, server_config
from foidesk.web.guard import Guard

QUICK_EXIT = 'id="quick-exit"'
REFERENCE = "01.FOI.24.000001"


def assert_safe_page(response, status: int, *, quick_exit: bool = True) -> None:  # type: ignore[no-untyped-def]
    """The site's own HTML page, with the quick exit and every security header.

    Workspace pages (officers only) have no quick exit; every public one does.
    """
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"].startswith("text/html")
    assert (QUICK_EXIT in response.text and "Leave this site" in response.text) == quick_exit
    headers = response.headers
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert "camera=()" in headers["permissions-policy"]
    assert headers["cache-control"] == "no-store"


@pytest.fixture
def logged(web_db: str) -> str:
    """The test database with one request in the register."""
    with Register(web_db, migrate=False) as register:
        register.new_request(
            REFERENCE, date(2024, 6, 3), "How many horses?", ["Horses"], "email", "a@b.org",
            "officer.one", title="Horses", subject="Workforce",
        )  # fmt: skip
    return web_db


def test_framework_error_pages_carry_the_quick_exit_and_headers(
    app: FastAPI, client_as, logged: str
) -> None:
    client = TestClient(app)
    assert_safe_page(client.get("/no-such-page"), 404)
    not_allowed = client.post("/log")
    assert_safe_page(not_allowed, 405)
    assert "GET" in not_allowed.headers["allow"]
    admin = client_as("admin.one", "admin")
    token = csrf_of(admin.get("/workspace/users").text)
    # A form the framework cannot read was a JSON 422: now the site's 400 page.
    invalid = admin.post("/workspace/users", data={"csrf_token": token})
    assert_safe_page(invalid, 400)
    assert "Check these fields and try again: username." in invalid.text
    assert not invalid.text.startswith("{")
    # A step's form is read by the workflow route: a bad number is the page's own error.
    officer = client_as("officer.one", "officer")
    token = csrf_of(officer.get(f"/workspace/requests/{REFERENCE}").text)
    bad = officer.post(
        f"/workspace/requests/{REFERENCE}/cost",
        data={"activity": "locating", "description": "x", "records": "NaN",
              "minutes_per_record": "1", "csrf_token": token},
    )  # fmt: skip
    assert_safe_page(bad, 400, quick_exit=False)
    assert "records: &#39;NaN&#39; is not a number" in bad.text


def test_a_crash_gives_the_sites_500_page(web_db: str) -> None:
    app = create_app(web_db, migrate=False)
    with app.state.desk.engine.begin() as connection:
        connection.execute(text("DROP TABLE web_responses_fts"))
        connection.execute(text("DROP TABLE web_attachments"))
        connection.execute(text("DROP TABLE web_responses"))
    response = TestClient(app, raise_server_exceptions=False).get("/log")
    assert_safe_page(response, 500)
    assert "Sorry, there is a problem with the service" in response.text


def test_public_pages_do_not_wait_on_the_workspaces_connections(web_db: str) -> None:
    app = create_app(
        web_db, migrate=False, public_pool={"pool_size": 1, "max_overflow": 0, "pool_timeout": 1}
    )
    client = TestClient(app)
    # Every workspace connection taken, as by twenty officers on slow pages.
    engine = app.state.desk.engine
    held = [engine.connect() for _ in range(engine.pool.size() + engine.pool._max_overflow)]
    try:
        assert client.get("/log").status_code == 200
    finally:
        for connection in held:
            connection.close()
    # The public pool exhausted in turn: the busy page at once, never a plain 500.
    with app.state.desk.public_engine.connect():
        busy = client.get("/log")
    assert_safe_page(busy, 503)
    assert busy.headers["retry-after"] == "30"
    assert client.get("/log").status_code == 200


def test_signed_in_check_gives_its_connection_back_before_the_route(client_as) -> None:
    officer = client_as("officer.one", "officer")
    engine = officer.app.state.desk.engine
    before = engine.pool.checkedout()
    assert officer.get("/workspace/statistics").status_code == 200
    assert engine.pool.checkedout() == before


def test_past_the_requests_in_flight_a_503_page_at_once(web_db: str) -> None:
    app = create_app(
        web_db,
        migrate=False,
        max_in_flight=1,
        public_pool={"pool_size": 1, "max_overflow": 0, "pool_timeout": 30},
    )
    client = TestClient(app)
    assert client.get("/accessibility").status_code == 200
    guard = app.middleware_stack
    assert isinstance(guard, Guard)
    held = app.state.desk.public_engine.connect()
    waiting: list[int] = []
    thread = threading.Thread(target=lambda: waiting.append(client.get("/log").status_code))
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while guard.in_flight < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert guard.in_flight == 1
        shed = client.get("/accessibility")
        assert_safe_page(shed, 503)
        assert shed.headers["retry-after"]
    finally:
        held.close()
        thread.join(timeout=30)
    assert waiting == [200]


def test_head_is_answered_on_get_routes_without_a_body(app: FastAPI) -> None:
    client = TestClient(app)
    for path in ("/log", "/accessibility", "/login", "/static/foidesk.css"):
        head = client.head(path)
        assert head.status_code == 200, path
        assert head.content == b""
        assert int(head.headers["content-length"]) > 0
    assert client.head("/workspace", follow_redirects=False).status_code == 303
    deleted = client.delete("/accessibility")
    assert deleted.status_code == 405 and "GET" in deleted.headers["allow"]


def test_no_store_on_every_page_but_the_static_assets(client_as) -> None:
    officer = client_as("officer.one", "officer")
    for path in ("/log", "/accessibility", "/login", "/workspace", "/log/missing"):
        assert officer.get(path).headers["cache-control"] == "no-store", path
    assert officer.get("/static/foidesk.css").headers.get("cache-control") != "no-store"


def test_hsts_only_when_served_over_https(web_db: str) -> None:
    plain = TestClient(create_app(web_db, migrate=False)).get("/log")
    assert "strict-transport-security" not in plain.headers
    secure = TestClient(
        create_app(web_db, https=True, migrate=False), base_url="https://testserver"
    )
    hsts = secure.get("/log").headers["strict-transport-security"]
    assert hsts.startswith("max-age=31536000")


def test_only_trusted_hosts_are_answered(web_db: str) -> None:
    app = create_app(web_db, migrate=False, trusted_hosts=["foi.example.org"])
    client = TestClient(app, base_url="http://foi.example.org:8000")
    assert client.get("/log").status_code == 200
    forged = client.get("/workspace", headers={"host": "evil.example"}, follow_redirects=False)
    assert_safe_page(forged, 400)
    assert "evil.example" not in forged.headers.get("location", "")


def test_serve_trusts_its_own_address_and_keeps_no_query_strings(web_db: str) -> None:
    config = server_config(web_db, "127.0.0.1", 8123, https=True)
    assert config.access_log is False
    assert config.proxy_headers is True
    guard = config.app.build_middleware_stack()
    assert "127.0.0.1" in guard.trusted_hosts and "evil.example" not in guard.trusted_hosts
    assert guard.headers["Strict-Transport-Security"].startswith("max-age=")


def test_trusted_hosts_come_from_the_settings_file(web_db: str, tmp_path: Path) -> None:
    from foidesk.settings import read_settings

    path = tmp_path / "settings.yaml"
    path.write_text("web:\n  trusted_hosts: [foi.example.police.uk]\n")
    config = server_config(web_db, "0.0.0.0", 8123, settings=read_settings(path))
    guard = config.app.build_middleware_stack()
    assert guard.trusted_hosts == {"foi.example.police.uk"}
    # The command line's own names win over the file's.
    config = server_config(
        web_db, "0.0.0.0", 8123, trusted_hosts=["desk.local"], settings=read_settings(path)
    )
    assert config.app.build_middleware_stack().trusted_hosts == {"desk.local"}
    path.write_text("web:\n  trusted_host: [x]\n")
    with pytest.raises(ValueError, match=r"did you mean trusted_hosts\?"):
        read_settings(path)


def test_the_access_log_keeps_no_search_words(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="foidesk.web.access"):
        TestClient(app).get("/log?q=refuge+near+me&year=2024")
    lines = [r.getMessage() for r in caplog.records if r.name == "foidesk.web.access"]
    assert len(lines) == 1
    assert '"GET /log" 200' in lines[0]
    assert "refuge" not in lines[0] and "2024" not in lines[0]


def test_request_bodies_are_capped_before_sign_in(app: FastAPI) -> None:
    client = TestClient(app)
    big = b"x" * (2 * 1024 * 1024)
    declared = client.post("/workspace/users", content=big)
    assert_safe_page(declared, 413)

    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield b"y" * 65536

    streamed = client.post("/login", content=chunks())
    assert_safe_page(streamed, 413)


def test_non_ascii_csrf_token_is_a_400_not_a_crash(app: FastAPI) -> None:
    client = TestClient(app, raise_server_exceptions=False)
    client.get("/login")
    response = client.post(
        "/login", data={"username": "a", "password": "b", "csrf_token": "jeton-é€"}
    )
    assert_safe_page(response, 400)


@pytest.mark.parametrize(
    ("records", "minutes"),
    [("10", "Infinity"), ("10", "NaN"), ("10", "-Infinity"), ("10", "1e400000"),
     (str(10**30), "1"), ("100000001", "1"), ("10", "1441")],
)  # fmt: skip
def test_cost_lines_take_finite_bounded_numbers(
    client_as, logged: str, records: str, minutes: str
) -> None:
    officer = client_as("officer.one", "officer")
    page = f"/workspace/requests/{REFERENCE}"
    token = csrf_of(officer.get(page).text)
    response = officer.post(
        f"{page}/cost",
        data={"activity": "locating", "description": "Searching files", "records": records,
              "minutes_per_record": minutes, "csrf_token": token},
    )  # fmt: skip
    # The framework's refusal (the site's error page) or the request page with the reason.
    assert response.status_code == 400
    assert_safe_page(response, 400, quick_exit='id="error"' not in response.text)
    with Register(logged, migrate=False) as register:
        assert register.get(REFERENCE).cost_lines == []
    assert officer.get(page).status_code == 200


def test_a_huge_part_number_is_a_400(client_as, logged: str) -> None:
    officer = client_as("officer.one", "officer")
    page = f"/workspace/requests/{REFERENCE}"
    token = csrf_of(officer.get(page).text)
    response = officer.post(
        f"{page}/decide",
        data={"part": str(10**30), "decision": "disclosed", "csrf_token": token},
    )
    assert_safe_page(response, 400, quick_exit=False)
    assert "part: 1000000000000000000000000000000 is not between 1 and 1000" in response.text


def test_references_are_checked_before_any_path_is_built(web_db: str, tmp_path: Path) -> None:
    answers = tmp_path / "answers"
    answers.mkdir()
    (tmp_path / "manifest.json").write_text('{"tables": [{"file": "secret.csv"}]}')
    (tmp_path / "secret.csv").write_text("a,b\nsecret,1\n")
    app = create_app(web_db, migrate=False, answers_dir=answers)
    client = TestClient(app)
    sign_in(client, "analyst.one", make_user(web_db, "analyst.one", "analyst"))
    for reference in ("%2E%2E", "..", ".hidden", "a..b", "%2E%2E%5Csecret"):
        response = client.get(f"/workspace/requests/{reference}/tables")
        assert response.status_code == 404, reference
        assert "secret" not in response.text
