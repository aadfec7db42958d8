"""How list and show commands print: tab-separated text for people, ``--json`` for scripts.

JSON goes to stdout as one document (a list for list commands, an object for show
commands); dates are ISO strings. Warnings and errors stay on stderr.
"""

from __future__ import annotations

import json
from typing import Any

import typer

JSON_OPTION = typer.Option(False, "--json", help="Print JSON (for scripts) instead of text.")


def print_json(data: Any) -> None:
    """Print ``data`` as indented JSON; dates, paths and other values as their strings."""
    typer.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False))
