"""The installation's settings: who the authority is, and how the crime store runs.

One YAML file holds them, read here and nowhere else: the authority's name and type, its
FOI team's postal address, email and phone, where internal reviews are asked for, the
letters' signatory, the Information Commissioner's contact details, the pattern every
request reference must match, the DuckDB memory limit and thread count of the crime-record
store, and how long an unanswered clarification stays open. ``load_settings`` reads the
file named by its argument, else by the ``FOIDESK_SETTINGS`` environment variable; with
neither, the built-in defaults apply (a force called "The force", no contact details, the
reference pattern ``NN.FOI.NN.NNNNNN``). ``examples/settings/met.yaml`` is the
Metropolitan Police Service's, which the demo uses.
"""

from __future__ import annotations

import os
import re
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from foidesk.input_files import InputError, parse_yaml, validate

SETTINGS_ENV = "FOIDESK_SETTINGS"


class SettingsError(ValueError):
    """A settings file that cannot be used; the message names the file, line and field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Contact(_Strict):
    """Where the FOI team can be reached; every field may be left out."""

    postal_address: list[str] = Field(default_factory=list)
    email: str | None = None
    phone: str | None = None
    web: str | None = None


class Signatory(_Strict):
    """Who signs the letters, and in what role."""

    name: str
    role: str


class Regulator(_Strict):
    """Where to complain under s50: the Information Commissioner's Office."""

    name: str = "Information Commissioner's Office"
    postal_address: list[str] = Field(
        default_factory=lambda: ["Wycliffe House", "Water Lane", "Wilmslow", "Cheshire SK9 5AF"]
    )
    phone: str | None = "0303 123 1113"
    web: str | None = "https://ico.org.uk/make-a-complaint/"


class Authority(_Strict):
    """The public authority the desk answers for."""

    name: str = "The force"
    # Sets the s12 appropriate limit (docs/register.md).
    type: Literal["police", "central government", "other"] = "police"
    team: str = "Freedom of Information team"
    contact: Contact = Field(default_factory=Contact)
    # Where a requester asks for an internal review (s17(7) wants its particulars in every
    # refusal); unset means the team's own contact details.
    internal_review: Contact | None = None
    signatory: Signatory | None = None
    ico: Regulator = Field(default_factory=Regulator)
    # The Met's form, 01.FOI.24.035331: force code, "FOI", year, serial.
    reference_pattern: str = r"\d{2}\.FOI\.\d{2}\.\d{6}"

    @field_validator("reference_pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value, re.ASCII)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
        return value

    @property
    def review_contact(self) -> Contact:
        """Where internal reviews are asked for: ``internal_review``, else the team's."""
        return self.internal_review or self.contact

    @cached_property
    def reference_regex(self) -> re.Pattern[str]:
        """The pattern compiled ASCII-only: ``\\d`` matches 0-9, not other scripts' digits."""
        return re.compile(self.reference_pattern, re.ASCII)


class CrimeStore(_Strict):
    """DuckDB's limits for the crime-record store; unset means DuckDB's own default
    (80% of the machine's memory, one thread per core)."""

    memory_limit: str | None = None
    threads: int | None = Field(default=None, ge=1)

    @field_validator("memory_limit")
    @classmethod
    def _size(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(
            r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", value
        ):
            raise ValueError("expected a size such as '4GB' or '512MiB'")
        return value

    def duckdb_config(self) -> dict[str, Any]:
        """The ``config`` for ``duckdb.connect``."""
        config: dict[str, Any] = {}
        if self.memory_limit is not None:
            config["memory_limit"] = self.memory_limit
        if self.threads is not None:
            config["threads"] = self.threads
        return config


class WebSite(_Strict):
    """How the disclosure log and workspace are served."""

    # The host names the site is reached by (the Host header); empty means the address
    # ``foidesk serve`` listens on and the loopback names.
    trusted_hosts: list[str] = Field(default_factory=list)


class Mail(_Strict):
    """The SMTP server letters are sent through; unset host means nothing is sent."""

    host: str | None = None
    port: int = Field(default=587, ge=1, le=65535)
    # "starttls" upgrades a plain connection, "ssl" connects over TLS, "none" is for a
    # server on the same machine only.
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str | None = None
    # The password is never in the file: the name of the environment variable holding it.
    password_env: str | None = None
    sender: str = "foi@example.invalid"
    # Attempts before a failed message is left for an officer to retry by hand.
    attempts: int = Field(default=3, ge=1, le=10)


class Requests(_Strict):
    """How long an unanswered clarification stays open: a reminder falls due after
    ``clarification_reminder_after_months``, and closing after
    ``clarification_closes_after_months`` (three, the ICO's practice), both counted in
    calendar months from the day the clarification was sought."""

    clarification_reminder_after_months: int = Field(default=2, ge=1, le=12)
    clarification_closes_after_months: int = Field(default=3, ge=1, le=24)

    @model_validator(mode="after")
    def _reminder_first(self) -> Requests:
        if self.clarification_reminder_after_months >= self.clarification_closes_after_months:
            raise ValueError(
                "clarification_reminder_after_months must be less than "
                "clarification_closes_after_months (the reminder comes before closing)"
            )
        return self


class Settings(_Strict):
    """The whole settings file."""

    authority: Authority = Field(default_factory=Authority)
    crime_store: CrimeStore = Field(default_factory=CrimeStore)
    web: WebSite = Field(default_factory=WebSite)
    mail: Mail = Field(default_factory=Mail)
    requests: Requests = Field(default_factory=Requests)
    # The file these came from, or None for the built-in defaults: set by the loader, so
    # not a key of the file's schema.
    source: SkipJsonSchema[str | None] = Field(default=None, exclude=True)


def read_settings(path: str | Path) -> Settings:
    """Read a settings file; errors name the file, the line and the field."""
    path = Path(path)
    if not path.is_file():
        raise SettingsError(f"{path}: settings file not found")
    text = path.read_text(encoding="utf-8")
    try:
        data = parse_yaml(text, str(path)) or {}
        if not isinstance(data, dict):
            raise SettingsError(f"{path}: expected a mapping at the top level")
        return validate(Settings, {**data, "source": str(path)}, str(path), text)
    except InputError as exc:
        raise SettingsError(str(exc)) from None


@lru_cache(maxsize=8)
def _read_cached(path: str, modified: int, size: int) -> Settings:
    return read_settings(path)


def load_settings(path: str | Path | None = None) -> Settings:
    """The settings in ``path``, else in ``$FOIDESK_SETTINGS``, else the defaults.

    A file is read again only when it changes, so opening a store or the register often
    costs no parsing.
    """
    chosen = path or os.environ.get(SETTINGS_ENV)
    if not chosen:
        return Settings()
    try:
        stat = Path(chosen).stat()
    except OSError:
        return read_settings(chosen)  # raises, naming the file
    return _read_cached(str(chosen), stat.st_mtime_ns, stat.st_size)
