"""docs/tables.md keeps its worked example (run with every page's in tests/test_docs.py)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "tables.md").read_text(), re.S)


def test_docs_has_the_worked_example() -> None:
    assert len(BLOCKS) == 2
    assert '{"crime": 2, "victim": 3, "suspect": 1, "pair": 2}' in BLOCKS[0]
