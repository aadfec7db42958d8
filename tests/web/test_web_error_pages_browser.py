"""In Debian's Chromium: the quick exit on the sign-in page and on every kind of error page.

A victim may land on an error or on the sign-in page (linked from every public page);
each must let them leave at once, and the sign-in page must leave nothing lasting in
the browser. The neutral page is a route stub, so nothing here touches the network.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from site_setup import LiveServer, Site, start_server
from sqlalchemy import text

from foidesk.web.app import create_app

pytestmark = pytest.mark.browser

EXIT_URL = "https://www.bbc.co.uk/weather"


@pytest.fixture(scope="module")
def site(seed_site: Site, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A live server over a copy of the seed site; its public pool has one connection."""
    db = str(tmp_path_factory.mktemp("errors") / "desk.sqlite")
    shutil.copyfile(seed_site.db, db)
    app = create_app(
        db, migrate=False, public_pool={"pool_size": 1, "max_overflow": 0, "pool_timeout": 1}
    )
    server = start_server(app)
    server.app = app  # type: ignore[attr-defined]
    yield server
    server.stop()


@pytest.fixture
def page(browser, site: LiveServer):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=site.url)
    context.route(
        f"{EXIT_URL}**",
        lambda route: route.fulfill(
            status=200, content_type="text/html", body="<title>Weather</title><h1>Weather</h1>"
        ),
    )
    page = context.new_page()
    yield page
    context.close()


def _leave_by_escape(page) -> None:  # type: ignore[no-untyped-def]
    page.keyboard.press("Escape")
    page.wait_for_url(EXIT_URL)
    assert page.title() == "Weather"


def test_the_sign_in_page_has_the_quick_exit_and_no_lasting_cookie(page, site) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    assert page.get_by_role("link", name="Leave this site").get_attribute("href") == EXIT_URL
    cookies = page.context.cookies()
    assert cookies, "the sign-in form needs its CSRF cookie"
    # -1: a session cookie, gone when the browser closes; no Max-Age, no Expires.
    assert all(cookie["expires"] == -1 for cookie in cookies)
    page.get_by_label("User name").focus()
    _leave_by_escape(page)
    page.go_back()
    assert site.url not in page.url


@pytest.mark.parametrize(
    ("path", "status"),
    [("/log/no-such-reference", 404), ("/no-such-page", 404), ("/workspace/sign-out", 405)],
)
def test_not_found_pages_have_the_quick_exit(page, path: str, status: int) -> None:  # type: ignore[no-untyped-def]
    response = page.goto(path)
    assert response.status == status
    assert response.headers["cache-control"] == "no-store"
    expect_button(page)
    _leave_by_escape(page)


def expect_button(page) -> None:  # type: ignore[no-untyped-def]
    button = page.get_by_role("link", name="Leave this site")
    assert button.is_visible()
    assert button.get_attribute("href") == EXIT_URL


def test_the_busy_page_has_the_quick_exit(page, site) -> None:  # type: ignore[no-untyped-def]
    held = site.app.state.desk.public_engine.connect()
    try:
        response = page.goto("/log")
    finally:
        held.close()
    assert response.status == 503
    assert response.headers["x-frame-options"] == "DENY"
    expect_button(page)
    page.get_by_role("link", name="Leave this site").click()
    page.wait_for_url(EXIT_URL)


def test_the_crash_page_has_the_quick_exit(browser, seed_site: Site, tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = str(tmp_path / "broken.sqlite")
    shutil.copyfile(seed_site.db, db)
    app = create_app(db, migrate=False)
    with app.state.desk.engine.begin() as connection:
        connection.execute(text("DROP TABLE web_responses_fts"))
        connection.execute(text("DROP TABLE web_attachments"))
        connection.execute(text("DROP TABLE web_responses"))
    server = start_server(app)
    context = browser.new_context(base_url=server.url)
    context.route(
        f"{EXIT_URL}**",
        lambda route: route.fulfill(
            status=200, content_type="text/html", body="<title>Weather</title>"
        ),
    )
    try:
        page = context.new_page()
        response = page.goto("/log")
        assert response.status == 500
        assert "default-src 'self'" in response.headers["content-security-policy"]
        expect_button(page)
        _leave_by_escape(page)
    finally:
        context.close()
        server.stop()


def test_head_over_a_real_server(site) -> None:  # type: ignore[no-untyped-def]
    """uvicorn itself takes the guard's HEAD answer: headers of the GET, no body."""
    import httpx

    head = httpx.head(f"{site.url}/log")
    get = httpx.get(f"{site.url}/log")
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["cache-control"] == "no-store"
    refused = httpx.request("PUT", f"{site.url}/log")
    assert refused.status_code == 405 and "GET" in refused.headers["allow"]
