"""Fixtures shared by every concern's tests: scratch stores and real databases."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest

from foidesk.db import upgrade
from foidesk.foi import letter_kinds
from foidesk.settings import SETTINGS_ENV

# The tests run as the demo's installation: the Metropolitan Police Service's settings,
# which the seed request file is written for.
MET_SETTINGS = Path(__file__).resolve().parents[1] / "examples" / "settings" / "met.yaml"
os.environ[SETTINGS_ENV] = str(MET_SETTINGS)

POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"

# Debian's Chromium, installed by the Makefile; the flags keep it off the network.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database on the local server, dropped afterwards."""
    name = f"foidesk_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def register_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A register database URL at the current schema, once on a SQLite file and once on
    PostgreSQL (``foidesk db upgrade`` has run, as on an installed desk)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'register.sqlite'}"
    else:
        url = request.getfixturevalue("postgres_url")
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One headless Debian Chromium for the whole session, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def enclosure_note() -> Iterator[str]:
    """A kind of letter whose template (the acknowledgement's) does not show an element the
    kind requires once the request is acknowledged: a template's fault the desk must catch."""

    def facts(register: Any, request: Any, _day: date, _options: Any) -> dict[str, Any]:
        return {
            "due": register.deadline_for(request).due,
            "acknowledged": request.acknowledged_on is not None,
        }

    kind = letter_kinds.define(
        letter_kinds.LetterKind(
            name="enclosure-note",
            title="Enclosure note",
            template="acknowledgement.html.j2",
            elements=(
                letter_kinds.Element(
                    "enclosure",
                    "the enclosure",
                    applies=lambda f: f["acknowledged"],
                    present=lambda f: True,
                ),
            ),
            facts=facts,
            subject="Your request {reference}: enclosure",
        )
    )
    yield kind.name
    del letter_kinds.KINDS[kind.name]
