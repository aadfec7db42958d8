"""A register driven through the command line, as people at a desk do from a shell: each
account acts through its own token ($FOIDESK_TOKEN), with only its roles."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from foidesk.cli import app
from foidesk.cli.errors import ExitCode
from foidesk.db import open_session, upgrade
from foidesk.foi.accounts import add_user

PASSWORD = "a long enough passphrase"


class CliDesk:
    """A register with accounts, and a way to run commands as each of them."""

    def __init__(self, tmp_path: Path) -> None:
        self.runner = CliRunner()
        self.db = str(tmp_path / "register.sqlite")
        upgrade(self.db)
        self.tokens: dict[str, str] = {}

    def account(self, name: str, *roles: str) -> None:
        with open_session(self.db) as session:
            add_user(session, name, roles, PASSWORD)
        made = self.runner.invoke(
            app,
            ["user", "token", name, "--db", self.db, "--password-env", "PW"],
            env={"PW": PASSWORD},
        )
        assert made.exit_code == 0, made.output
        self.tokens[name] = made.output.strip()

    def invoke(self, who: str | None, *args: str) -> object:
        # An account's name runs as its token; anything else is taken as a token itself.
        env = {"FOIDESK_TOKEN": self.tokens.get(who, who or "")}
        return self.runner.invoke(app, [*args, "--db", self.db], env=env)

    def run(self, who: str | None, *args: str) -> str:
        result = self.invoke(who, *args)
        assert result.exit_code == 0, result.output
        return result.output

    def refused(self, who: str | None, *args: str) -> str:
        result = self.invoke(who, *args)
        assert result.exit_code == ExitCode.REFUSED, result.output
        return result.output
