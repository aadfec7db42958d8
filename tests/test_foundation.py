"""The package installs, its CLI answers, and the relational database migrates."""

from __future__ import annotations

from typer.testing import CliRunner

from foidesk import __version__
from foidesk.cli import app


def test_cli_prints_version() -> None:
    result = CliRunner().invoke(app, ["version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == __version__
