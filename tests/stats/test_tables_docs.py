"""The Python examples in docs/tables.md run and their assertions hold."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "tables.md").read_text(), re.S)


@pytest.mark.parametrize("block", BLOCKS, ids=[f"example_{i}" for i in range(1, len(BLOCKS) + 1)])
def test_docs_example_runs(block: str, capsys: pytest.CaptureFixture[str]) -> None:
    cwd = os.getcwd()
    os.chdir(ROOT)  # examples use paths relative to the repository root
    try:
        exec(compile(block, "docs/tables.md", "exec"), {})
    finally:
        os.chdir(cwd)


def test_docs_has_the_worked_example() -> None:
    assert len(BLOCKS) == 2
    assert '{"crime": 2, "victim": 3, "suspect": 1, "pair": 2}' in BLOCKS[0]
