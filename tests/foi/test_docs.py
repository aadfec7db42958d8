"""The Python examples in the FOI docs run as written, so the docs stay true."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
DOCS = ["deadlines.md", "register.md", "letters.md"]


def _examples() -> list[tuple[str, int, str]]:
    found = []
    for name in DOCS:
        text = (ROOT / "docs" / name).read_text(encoding="utf-8")
        for number, block in enumerate(re.findall(r"```python\n(.*?)```", text, re.S), 1):
            found.append((name, number, block))
    return found


@pytest.mark.parametrize(("doc", "number", "code"), _examples(), ids=lambda v: str(v)[:20])
def test_doc_example_runs(doc: str, number: int, code: str, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)  # examples name the seed file relative to the checkout
    exec(compile(code, f"docs/{doc} example {number}", "exec"), {})
