"""The Python examples in docs/disclosure-control.md run and their assertions hold."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "disclosure-control.md"
BLOCKS = re.findall(r"```python\n(.*?)```", PAGE.read_text(), re.S)


@pytest.mark.parametrize("block", BLOCKS, ids=[f"example_{i}" for i in range(1, len(BLOCKS) + 1)])
def test_docs_example_runs(block: str) -> None:
    cwd = os.getcwd()
    os.chdir(ROOT)  # examples use paths relative to the repository root
    try:
        exec(compile(block, str(PAGE.name), "exec"), {})
    finally:
        os.chdir(cwd)


def test_docs_name_every_policy_setting() -> None:
    from foidesk.stats.disclosure import DisclosurePolicy

    text = PAGE.read_text()
    for name in DisclosurePolicy.__dataclass_fields__:
        if name not in ("low", "high"):
            assert f"`{name}`" in text, name
    assert "`range`" in text and "`protection`" in text
