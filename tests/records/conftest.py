"""Fixtures for the record store's tests: a synthetic London at scale 1, real subsets."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from foidesk.records.store import Snapshot, Store
from foidesk.records.synth import generate

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
MAPPINGS = ROOT / "examples" / "mappings"


@pytest.fixture(scope="session")
def london(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Snapshot]:
    """Synthetic London at scale 1 (about 1.2 million crimes), generated once per test run."""
    db = tmp_path_factory.mktemp("london") / "london.duckdb"
    return db, generate(db, scale=1.0)


@pytest.fixture
def london_store(london: tuple[Path, Snapshot]) -> Iterator[Store]:
    db, _ = london
    with Store(db, read_only=True) as store:
        yield store


@pytest.fixture
def police_uk_copy(tmp_path: Path) -> Path:
    """A writable copy of the data.police.uk subset, for tests that spoil a row."""
    target = tmp_path / "police_uk"
    shutil.copytree(DATA / "police_uk_city_of_london", target)
    return target


@pytest.fixture
def nibrs_copy(tmp_path: Path) -> Path:
    """A writable copy of the NIBRS subset."""
    target = tmp_path / "nibrs"
    shutil.copytree(DATA / "nibrs_dc", target)
    return target
