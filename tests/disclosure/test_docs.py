"""docs/disclosure-control.md names every setting of the disclosure policy.

Its examples run with every other page's in tests/test_docs.py.
"""

from __future__ import annotations

from pathlib import Path

PAGE = Path(__file__).resolve().parents[2] / "docs" / "disclosure-control.md"


def test_docs_name_every_policy_setting() -> None:
    from foidesk.stats.disclosure import DisclosurePolicy

    text = PAGE.read_text()
    for name in DisclosurePolicy.__dataclass_fields__:
        if name not in ("low", "high"):
            assert f"`{name}`" in text, name
    assert "`range`" in text and "`protection`" in text
