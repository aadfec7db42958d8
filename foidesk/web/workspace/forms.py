"""What a workspace form sent, read into values, and the message shown after it."""

from __future__ import annotations

from datetime import date
from decimal import InvalidOperation
from typing import Any

from fastapi import Request


def flash(request: Request, message: str) -> None:
    """A message for the next page the user sees (e.g. after a redirect)."""
    request.session["flash"] = message


def lines(text: str) -> list[str]:
    """The non-blank lines of a text area, stripped."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def form_text(form: Any, key: str) -> str:
    """A text field of a submitted form, stripped; "" when absent or not text."""
    value = form.get(key)
    return value.strip() if isinstance(value, str) else ""


def form_date(text: str, field: str, blank: date | None = None) -> date:
    """A form's date; a blank field means ``blank`` (e.g. today) when one is given."""
    if blank is not None and not text.strip():
        return blank
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{field}: '{text}' is not a date (use YYYY-MM-DD)") from None


def form_number(text: str, field: str, kind: type = int) -> Any:
    """A form's number of type ``kind`` (int or Decimal), or an error naming the field."""
    try:
        return kind(text)
    except (ValueError, InvalidOperation):
        raise ValueError(f"{field}: '{text}' is not a number") from None
