"""How list and show commands print: tab-separated text for people, ``--json`` for scripts.

JSON goes to stdout as one document (a list for list commands, an object for show
commands); dates are ISO strings. Warnings and errors stay on stderr.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import typer

JSON_OPTION = typer.Option(False, "--json", help="Print JSON (for scripts) instead of text.")


def _text(value: Any) -> str:
    # str() of a datetime puts a space between date and time; ISO 8601 has a T.
    return value.isoformat() if isinstance(value, date) else str(value)


def print_json(data: Any) -> None:
    """Print ``data`` as indented JSON; dates and times in ISO 8601, paths and other values
    as their strings."""
    typer.echo(json.dumps(data, indent=2, default=_text, ensure_ascii=False))
