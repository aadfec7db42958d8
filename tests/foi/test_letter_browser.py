"""The seed's letter opened in Debian's Chromium: no axe accessibility violations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from foidesk.foi.letters import render_letter
from foidesk.foi.register import Register
from foidesk.foi.request_file import import_request_file

SEED = Path(__file__).parents[2] / "examples" / "requests" / "01.FOI.24.035331.yaml"


@pytest.mark.browser
def test_letter_has_no_axe_violations(tmp_path: Path, browser: Any) -> None:
    from axe_playwright_python.sync_playwright import Axe

    with Register(tmp_path / "r.sqlite", migrate=True) as register:
        import_request_file(SEED, register)
        html = tmp_path / "response.html"
        html.write_text(render_letter(register, "01.FOI.24.035331"), encoding="utf-8")
    page = browser.new_page()
    try:
        page.goto(html.as_uri())
        assert page.locator("h1").inner_text() == "Response to your request for information"
        results = Axe().run(page)
    finally:
        page.close()
    assert results.violations_count == 0, results.generate_report()
