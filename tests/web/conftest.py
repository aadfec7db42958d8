"""Fixtures for the web tests: a published seed response, apps, signed-in clients, a browser."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from site_setup import Site, build_seed_site, make_user, sign_in

from foidesk.db import upgrade
from foidesk.web.app import create_app


@pytest.fixture(scope="session")
def seed_site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """Built once: the seed published on a SQLite register and log."""
    return build_seed_site(tmp_path_factory.mktemp("seed"))


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty, fully migrated database, copied for each test (migrating is the slow part)."""
    path = tmp_path_factory.mktemp("template") / "web.sqlite"
    upgrade(path)
    return path


@pytest.fixture
def web_db(tmp_path: Path, migrated_template: Path) -> str:
    path = tmp_path / "web.sqlite"
    shutil.copyfile(migrated_template, path)
    return str(path)


@pytest.fixture
def app(web_db: str) -> FastAPI:
    return create_app(web_db, migrate=False)


@pytest.fixture
def client_as(app: FastAPI, web_db: str) -> Callable[..., TestClient]:
    """A client signed in as a new user with the given roles."""

    def make(username: str, *roles: str) -> TestClient:
        client = TestClient(app)
        sign_in(client, username, make_user(web_db, username, *roles))
        return client

    return make
