"""Every Python example in docs/ runs as written, so the pages stay true.

Each page's examples run in the page's order (a later one may read what an earlier one
wrote), each in a fresh namespace, in an empty directory that sees the repository's
``examples/`` and ``tests/`` (examples name input files relative to the checkout and
write under ``out/``). The one example that is not run says why below.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "docs").glob("*.md"))
# (page, example number): why it cannot run alone.
NOT_RUN = {
    ("web.md", 1): "publishes the seed's answer into the register `make demo` makes",
}


def examples(page: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), re.S)


@pytest.mark.parametrize("page", [p for p in PAGES if examples(p)], ids=lambda p: p.name)
def test_the_examples_of_each_page_run(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("examples", "tests"):
        (tmp_path / name).symlink_to(ROOT / name)
    monkeypatch.chdir(tmp_path)
    for number, code in enumerate(examples(page), start=1):
        if (page.name, number) not in NOT_RUN:
            exec(compile(code, f"docs/{page.name} example {number}", "exec"), {})


def test_every_example_left_out_exists() -> None:
    for page, number in NOT_RUN:
        assert len(examples(ROOT / "docs" / page)) >= number, (page, number)
