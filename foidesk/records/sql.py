"""SQL text for the loader's generated DuckDB statements: quoted names and literals."""

from __future__ import annotations

from typing import Any


def quote_name(name: str) -> str:
    """An identifier, double-quoted (quotes inside doubled)."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: Any) -> str:
    """A value as a SQL literal: NULL, TRUE/FALSE, or a quoted string."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return "'" + str(value).replace("'", "''") + "'"
