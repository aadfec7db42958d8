"""The runnable examples of docs/web.md still run."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "web.md"


def test_self_contained_examples_in_the_web_docs_run() -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    runnable = [b for b in blocks if "tempfile" in b]
    assert runnable
    for block in runnable:
        exec(compile(block, str(DOC), "exec"), {})
