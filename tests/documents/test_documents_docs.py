"""The Python examples in docs/redaction.md and docs/policies.md run and their asserts hold."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
EXAMPLES = [
    (page, number, block)
    for page in ("redaction.md", "policies.md")
    for number, block in enumerate(
        re.findall(r"```python\n(.*?)```", (DOCS / page).read_text(), re.S), start=1
    )
]


@pytest.mark.parametrize(("page", "number", "block"), EXAMPLES, ids=lambda v: str(v)[:20])
def test_example_runs(page: str, number: int, block: str) -> None:
    exec(compile(block, f"{page} example {number}", "exec"), {})
