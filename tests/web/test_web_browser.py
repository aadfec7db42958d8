"""In Debian's Chromium: search and download, quick exit, the approval flow, escaping, axe.

One browser for the session; each test opens its own context so cookies and history do
not leak between them. The quick-exit page is served by a route stub, so nothing here
touches the network.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from site_setup import SEED_REFERENCE, LiveServer, Site, make_user, start_server

from foidesk.db import open_session
from foidesk.foi.register import Register
from foidesk.web.app import create_app
from foidesk.web.disclosure_log import Publication, publish

pytestmark = pytest.mark.browser

EXIT_URL = "https://www.bbc.co.uk/weather"
HOSTILE = '<script>alert("log")</script><img src=x onerror="alert(1)">'


@pytest.fixture(scope="module")
def site(seed_site: Site, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A live server over a copy of the seed site, with a hostile request published too."""
    root = tmp_path_factory.mktemp("browser")
    db = str(root / "desk.sqlite")
    shutil.copyfile(seed_site.db, db)
    with open_session(db) as session:
        publish(
            session,
            Publication(
                reference="01.FOI.24.000666",
                title="Request quoting markup",
                subject="Other",
                published_on=date(2024, 7, 1),
                request_text=f"Please explain {HOSTILE} in your systems.",
                decision="Information not held",
            ),
        )
    with Register(db, migrate=False) as register:
        register.new_request(
            "01.FOI.24.000777",
            date.today(),
            f"Officers' view of {HOSTILE}",
            ["Number of mounted officers"],
            "web form",
            "person@example.org",
            "officer.one",
            title="Mounted officers",
            subject="Workforce",
        )
    server = start_server(create_app(db, migrate=False))
    server.db = db  # type: ignore[attr-defined]
    yield server
    server.stop()


@pytest.fixture
def page(browser, site: LiveServer):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=site.url, accept_downloads=True)
    context.route(
        f"{EXIT_URL}**",
        lambda route: route.fulfill(
            status=200, content_type="text/html", body="<title>Weather</title><h1>Weather</h1>"
        ),
    )
    page = context.new_page()
    yield page
    context.close()


def test_search_open_the_seed_and_download_its_workbook(page, site: LiveServer, tmp_path: Path):
    page.goto("/log")
    page.get_by_label("Search the disclosure log").fill("coercive behaviour former partner")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/log?q=coercive*")
    page.get_by_role("link", name="Post-separation domestic abuse").first.click()
    page.wait_for_url(f"**/log/{SEED_REFERENCE}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Post-separation")
    assert "01.FOI.24.035331" in page.locator(".govuk-caption-l").inner_text()
    with page.expect_download() as info:
        page.get_by_role("link", name="Tables (Excel workbook)").click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.name == "tables.xlsx"
    workbook = openpyxl.load_workbook(saved)
    assert len(workbook.sheetnames) >= 7
    assert page.context.cookies() == []


def test_leave_by_the_button_replaces_the_history_entry(page, site: LiveServer) -> None:
    page.goto(f"/log/{SEED_REFERENCE}")
    page.get_by_role("link", name="Leave this site").click()
    page.wait_for_url(EXIT_URL)
    assert page.title() == "Weather"
    page.go_back()
    assert site.url not in page.url


def test_leave_by_the_escape_key(page, site: LiveServer) -> None:
    page.goto("/log")
    page.get_by_label("Search the disclosure log").focus()
    page.keyboard.press("Escape")
    page.wait_for_url(EXIT_URL)
    page.go_back()
    assert site.url not in page.url


def test_quick_exit_works_without_javascript(browser, site: LiveServer) -> None:
    context = browser.new_context(base_url=site.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/log")
    link = page.get_by_role("link", name="Leave this site")
    assert link.get_attribute("href") == EXIT_URL
    page.get_by_label("Search the disclosure log").fill("stalking")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#results-heading")).to_contain_text("matching ‘stalking’")
    context.close()


def test_script_in_a_request_renders_inert(page, site: LiveServer) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto("/log/01.FOI.24.000666")
    assert HOSTILE in page.locator(".foidesk-request").inner_text()
    page.goto("/log?q=explain")
    assert "<script>" in page.locator(".foidesk-results").inner_text()
    page.wait_for_timeout(200)
    assert dialogs == []


def _sign_in(page, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/workspace")


def _sign_out(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/log")


def test_decision_approval_and_publication(page, site: LiveServer) -> None:
    db = site.db  # type: ignore[attr-defined]
    officer = make_user(db, "officer.browser", "officer")
    reviewer = make_user(db, "reviewer.browser", "reviewer")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    _sign_in(page, "officer.browser", officer)
    page.get_by_role("link", name="01.FOI.24.000777").click()
    expect(page.locator(".foidesk-request-text")).to_contain_text(HOSTILE)
    page.get_by_text("Record the decision on part 1").click()
    page.get_by_label("Decision", exact=True).select_option("disclosed")
    page.get_by_label("Summary for the letter").fill("The force has 32 mounted officers.")
    page.get_by_role("button", name="Record decision on part 1").click()
    expect(page.locator("#flash")).to_have_text("Decision recorded for part 1.")
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.locator("#stage")).to_have_text("Awaiting approval")
    _sign_out(page)

    _sign_in(page, "reviewer.browser", reviewer)
    page.goto("/workspace/requests/01.FOI.24.000777")
    page.get_by_role("button", name="Approve the response").click()
    expect(page.locator("#stage")).to_have_text("Approved")
    _sign_out(page)

    _sign_in(page, "officer.browser", officer)
    page.goto("/workspace/requests/01.FOI.24.000777")
    page.get_by_role("button", name="Publish to the disclosure log").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("no personal-data review")
    page.get_by_role("link", name="review personal data").click()
    expect(page.get_by_text("foidesk found nothing to suggest")).to_be_visible()
    page.get_by_role("button", name="Record the review").click()
    expect(page.locator("#flash")).to_contain_text("Personal-data review recorded")
    page.get_by_role("button", name="Publish to the disclosure log").click()
    # Publishing runs in the background; its page refreshes itself until it is done.
    page.wait_for_url("**/workspace/jobs/*")
    expect(page.locator("#job-done")).to_have_text(
        "Published to the disclosure log.", timeout=120_000
    )
    expect(page.locator("#job-progress")).to_have_text("3 of 3: Published")
    _sign_out(page)

    page.goto("/log")
    page.get_by_label("Search the disclosure log").fill("mounted officers")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Mounted officers").click()
    page.wait_for_url("**/log/01.FOI.24.000777")
    expect(page.locator("dd", has_text="Information disclosed")).to_have_count(1)
    expect(page.locator(".foidesk-letter")).to_contain_text("32 mounted officers")
    assert dialogs == []


def test_anonymous_visitors_are_sent_to_sign_in(page, site: LiveServer) -> None:
    private = ["/workspace", "/workspace/requests/01.FOI.24.000777", "/workspace/users",
               "/workspace/statistics", f"/workspace/requests/{SEED_REFERENCE}/audit"]  # fmt: skip
    for path in private:
        page.goto(path)
        assert page.url.startswith(f"{site.url}/login?next=/workspace"), path
        assert page.get_by_role("heading", level=1).inner_text() == "Sign in to the FOI workspace"


@pytest.mark.parametrize(
    "path",
    [
        "/log",
        "/log?q=domestic+abuse&year=2024",
        f"/log/{SEED_REFERENCE}",
        "/log/01.FOI.24.000666",
        "/accessibility",
        "/cookies",
        "/login",
        "/log/no-such-reference",
    ],
)
def test_public_pages_have_no_axe_violations(page, path: str) -> None:
    page.goto(path)
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_pages_reflow_at_320_css_pixels(browser, site: LiveServer) -> None:
    """WCAG 1.4.10: no horizontal scrolling at 320 pixels wide, letter tables included."""
    context = browser.new_context(base_url=site.url, viewport={"width": 320, "height": 640})
    page = context.new_page()
    for path in ("/log", f"/log/{SEED_REFERENCE}", "/login"):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, (path, width)
    context.close()


def test_workspace_pages_have_no_axe_violations(page, site: LiveServer) -> None:
    db = site.db  # type: ignore[attr-defined]
    _sign_in(page, "axe.admin", make_user(db, "axe.admin", "officer", "analyst", "admin"))
    for path in ("/workspace", f"/workspace/requests/{SEED_REFERENCE}", "/workspace/users",
                 "/workspace/statistics", f"/workspace/requests/{SEED_REFERENCE}/audit",
                 f"/workspace/requests/{SEED_REFERENCE}/letter",
                 f"/workspace/requests/{SEED_REFERENCE}/tables", "/workspace/password",
                 "/workspace?show=overdue&q=FOI"):  # fmt: skip
        page.goto(path)
        results = Axe().run(page)
        assert results.violations_count == 0, (path, results.generate_report())


def test_wide_tables_scroll_inside_the_tables_page(browser, seed_site: Site, tmp_path: Path):
    """The seed's outcome tables are wider than the page: each table scrolls in a region of
    its own, so the page itself never scrolls sideways past the header and the summary."""
    db = str(tmp_path / "desk.sqlite")
    shutil.copyfile(seed_site.db, db)
    password = make_user(db, "officer.wide", "officer")
    server = start_server(create_app(db, migrate=False, answers_dir=seed_site.answers))
    context = browser.new_context(base_url=server.url, viewport={"width": 1024, "height": 768})
    try:
        page = context.new_page()
        _sign_in(page, "officer.wide", password)
        page.goto(f"/workspace/requests/{SEED_REFERENCE}/tables")
        assert page.locator("table.govuk-table").count() == 6
        assert page.evaluate("document.documentElement.scrollWidth") <= 1024
        regions = page.locator(".foidesk-scroll[role=region][tabindex='0'] > table.govuk-table")
        assert regions.count() == 6
        widest = page.evaluate(
            "Math.max(...[...document.querySelectorAll('.foidesk-scroll')]"
            ".map(r => r.scrollWidth - r.clientWidth))"
        )
        assert widest > 0  # the widest table is still all there, scrolled to
        results = Axe().run(page)
        assert results.violations_count == 0, results.generate_report()
    finally:
        context.close()
        server.stop()


def test_workspace_pages_reflow_at_320_css_pixels(browser, site: LiveServer) -> None:
    """WCAG 1.4.10 in the workspace too: a table wider than a phone's screen scrolls in its
    own region rather than pushing the whole page sideways."""
    db = site.db  # type: ignore[attr-defined]
    password = make_user(db, "narrow.officer", "officer")
    context = browser.new_context(base_url=site.url, viewport={"width": 320, "height": 640})
    page = context.new_page()
    _sign_in(page, "narrow.officer", password)
    request = f"/workspace/requests/{SEED_REFERENCE}"
    for path in ("/workspace", request, f"{request}/audit", "/workspace/statistics"):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, (path, width)
    context.close()


def test_the_register_filter_button_lines_up_with_its_fields(browser, site: LiveServer) -> None:
    db = site.db  # type: ignore[attr-defined]
    password = make_user(db, "filter.officer", "officer")
    context = browser.new_context(base_url=site.url, viewport={"width": 1024, "height": 768})
    page = context.new_page()
    _sign_in(page, "filter.officer", password)
    button = page.get_by_role("button", name="Filter", exact=True).bounding_box()
    field = page.get_by_label("Reference or title").bounding_box()
    assert button is not None and field is not None
    assert abs((button["y"] + button["height"]) - (field["y"] + field["height"])) <= 3
    context.close()
