"""The web commands: user add/list/token and request publish, through Typer's runner."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from site_setup import sign_in
from typer.testing import CliRunner

from foidesk.cli import app
from foidesk.cli.errors import ExitCode
from foidesk.foi.personal_data import record_review
from foidesk.foi.register import Actor, Register
from foidesk.web.app import create_app

runner = CliRunner()


def test_user_add_prints_a_generated_password_that_signs_in(web_db: str) -> None:
    result = runner.invoke(app, ["user", "add", "olly", "--role", "officer", "--db", web_db])
    assert result.exit_code == 0, result.output
    password = re.search(r"password: (\S+)", result.output).group(1)
    again = runner.invoke(app, ["user", "add", "rita", "--role", "reviewer", "--db", web_db])
    assert re.search(r"password: (\S+)", again.output).group(1) != password
    listed = runner.invoke(app, ["user", "list", "--db", web_db])
    assert listed.output.splitlines() == ["olly\tofficer", "rita\treviewer"]
    runner.invoke(app, ["user", "deactivate", "rita", "--db", web_db])
    listed = runner.invoke(app, ["user", "list", "--db", web_db])
    assert listed.output.splitlines() == ["olly\tofficer", "rita\treviewer (inactive)"]
    client = TestClient(create_app(web_db, migrate=False))
    sign_in(client, "olly", password)
    assert client.get("/workspace").status_code == 200
    # Adding a taken name is refused; reset and reactivate are their own commands.
    taken = runner.invoke(app, ["user", "add", "rita", "--role", "admin", "--db", web_db])
    assert taken.exit_code != 0 and "already exists" in taken.output
    runner.invoke(app, ["user", "reactivate", "rita", "--db", web_db])
    reset = runner.invoke(app, ["user", "reset", "olly", "--db", web_db])
    new = re.search(r"password: (\S+)", reset.output).group(1)
    assert new != password
    assert client.get("/workspace", follow_redirects=False).status_code == 303
    sign_in(client, "olly", new)
    listed = runner.invoke(app, ["user", "list", "--db", web_db])
    assert listed.output.splitlines() == ["olly\tofficer", "rita\treviewer"]


def test_user_add_takes_a_password_from_the_environment(web_db: str) -> None:
    result = runner.invoke(
        app,
        ["user", "add", "ada", "--role", "admin", "--db", web_db, "--password-env", "ADA_PW"],
        env={"ADA_PW": "correct horse battery staple"},
    )
    assert result.exit_code == 0, result.output
    assert "password:" not in result.output
    client = TestClient(create_app(web_db, migrate=False))
    sign_in(client, "ada", "correct horse battery staple")
    bad = runner.invoke(app, ["user", "add", "x", "--role", "chief", "--db", web_db])
    assert bad.exit_code != 0 and "unknown role chief" in bad.output


def test_request_publish_refuses_then_publishes(web_db: str, tmp_path: Path) -> None:
    reference = "01.FOI.24.000301"
    made = runner.invoke(
        app,
        ["user", "add", "olly", "--role", "officer", "--db", web_db, "--password-env", "PW"],
        env={"PW": "correct horse battery staple"},
    )
    assert made.exit_code == 0, made.output
    token = runner.invoke(
        app,
        ["user", "token", "olly", "--db", web_db, "--password-env", "PW"],
        env={"PW": "correct horse battery staple"},
    ).output.strip()
    as_olly = {"FOIDESK_TOKEN": token}
    with Register(web_db, migrate=False) as register:
        register.new_request(
            reference, date(2024, 5, 1), "Number of police dogs.", ["Dogs"], "email",
            "someone@example.org", "olly", title="Police dogs", subject="Workforce",
        )  # fmt: skip
        refused = runner.invoke(app, ["request", "publish", reference, "--db", web_db], env=as_olly)
        assert refused.exit_code == ExitCode.REFUSED
        assert "is 'received': 'publish' cannot happen now" in refused.output
        register.decide(reference, 1, "disclosed", [], "olly", summary="There are 40 dogs.")
        register.submit_for_approval(reference, "olly")
        register.approve(
            reference, Actor("rita", "reviewer"), fingerprint=register.fingerprint(reference)
        )
        record_review(register, reference, None, [], "olly")
    published = runner.invoke(app, ["request", "publish", reference, "--db", web_db], env=as_olly)
    assert published.exit_code == 0, published.output
    assert published.output.splitlines() == [
        f"/log/{reference}",
        f"{reference}: responded, due 2024-05-31",
    ]
    page = TestClient(create_app(web_db, migrate=False)).get(f"/log/{reference}")
    assert "There are 40 dogs." in page.text
