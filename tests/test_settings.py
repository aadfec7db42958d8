"""The installation's settings file drives the letters, the log's header, the reference
check and the crime store's limits; request files keep the authority they were written for."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from foidesk.cli import app
from foidesk.db import open_session, upgrade
from foidesk.foi.accounts import add_user, issue_token
from foidesk.foi.letters import render_letter
from foidesk.foi.register import Actor, Register
from foidesk.foi.request_file import RequestFileError, export_request_file, import_request_file
from foidesk.records.store import Store
from foidesk.settings import (
    SETTINGS_ENV,
    CrimeStore,
    Settings,
    SettingsError,
    load_settings,
    read_settings,
)
from foidesk.web.app import create_app

ROOT = Path(__file__).resolve().parents[1]
MET = ROOT / "examples" / "settings" / "met.yaml"
SEED = ROOT / "examples" / "requests" / "01.FOI.24.035331.yaml"
REF = "01.FOI.24.035331"
SEED_DATE = date(2024, 4, 22)


def _other_force(tmp_path: Path) -> Path:
    data = yaml.safe_load(MET.read_text(encoding="utf-8"))
    data["authority"].update(
        name="Northshire Constabulary",
        team="Freedom of Information Office",
        contact={"postal_address": ["FOI Office", "1 High Street", "Northtown NT1 1AA"]},
        signatory={"name": "Sam Example", "role": "Disclosure Manager"},
        reference_pattern=r"FOI-\d{4}-\d{3}",
    )
    path = tmp_path / "northshire.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_the_met_settings_ship_with_the_demo() -> None:
    settings = read_settings(MET)
    assert settings.authority.name == "Metropolitan Police Service"
    assert settings.authority.contact.postal_address[-1] == "Metropolitan Police Service"
    assert settings.authority.ico.phone == "0303 123 1113"
    assert settings.crime_store.duckdb_config() == {"memory_limit": "4GB", "threads": 2}
    # The tests run as the demo's installation.
    assert load_settings() == settings
    # Without a file, the built-in defaults: a force with no contact details.
    assert Settings().authority.name == "The force"
    assert Settings().crime_store.duckdb_config() == {}


def test_settings_errors_name_the_file_line_and_field(tmp_path: Path) -> None:
    text = MET.read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("  team: Information", "  teem: Information"), encoding="utf-8")
    line = next(n for n, row in enumerate(bad.read_text().splitlines(), 1) if "teem" in row)
    with pytest.raises(SettingsError, match=rf"bad.yaml: line {line}: authority.teem: unknown "):
        read_settings(bad)
    with pytest.raises(SettingsError, match=r"did you mean team\?"):
        read_settings(bad)
    bad.write_text(text.replace("memory_limit: 4GB", "memory_limit: lots"), encoding="utf-8")
    with pytest.raises(SettingsError, match=r"line \d+: crime_store.memory_limit: .*'4GB'"):
        read_settings(bad)
    bad.write_text(text.replace("'\\d{2}", "'(\\d{2}"), encoding="utf-8")
    with pytest.raises(SettingsError, match="reference_pattern: .*not a regular expression"):
        read_settings(bad)
    result = CliRunner().invoke(app, ["--settings", str(bad), "version"])
    assert result.exit_code == 2 and "not a regular expression" in result.output


def test_a_settings_file_not_found_says_where_its_name_came_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A relative name in $FOIDESK_SETTINGS is read from the directory the command runs in,
    # so the error says which variable named it and that directory.
    monkeypatch.chdir(tmp_path)
    runner = CliRunner(env={"FOIDESK_SETTINGS": "examples/settings/nowhere.yaml"})
    result = runner.invoke(app, ["version"])
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert "examples/settings/nowhere.yaml: settings file not found" in said
    assert f"named by --settings or $FOIDESK_SETTINGS, read from {tmp_path}" in said


def test_the_crime_store_takes_its_memory_limit_and_threads_from_the_settings(
    tmp_path: Path,
) -> None:
    limits = CrimeStore(memory_limit="512MiB", threads=1)
    with Store(tmp_path / "a.duckdb", settings=limits) as store:
        row = store.con.execute(
            "SELECT current_setting('memory_limit'), current_setting('threads')"
        ).fetchone()
    assert row == ("512.0 MiB", 1)
    # By default, the installation's file: the Met's 4 GB (DuckDB shows 3.7 GiB) and 2.
    with Store(tmp_path / "b.duckdb") as store:
        row = store.con.execute(
            "SELECT current_setting('memory_limit'), current_setting('threads')"
        ).fetchone()
    assert row == ("3.7 GiB", 2)


def test_the_reference_check_takes_ascii_digits_only(tmp_path: Path) -> None:
    with Register(tmp_path / "r.sqlite", migrate=True) as register:
        officer = Actor("foi.officer", "officer")
        args = (REF.replace(".035331", ".035332"),)
        register.new_request(*args, SEED_DATE, "Text", ["Part"], "email", "", officer)
        # Arabic-Indic digits are digits to Unicode, but not in a reference.
        eastern = "٠١.FOI.٢٤.٠٣٥٣٣١"
        with pytest.raises(ValueError, match="does not match the pattern"):
            register.new_request(eastern, SEED_DATE, "Text", ["Part"], "email", "", officer)


def test_another_force_settings_drive_its_references_letters_and_log_header(
    tmp_path: Path,
) -> None:
    settings = read_settings(_other_force(tmp_path))
    db = tmp_path / "r.sqlite"
    with Register(db, settings=settings, migrate=True) as register:
        officer = Actor("foi.officer", "officer")
        with pytest.raises(ValueError, match=re.escape(r"FOI-\d{4}-\d{3}")):
            register.new_request(REF, SEED_DATE, "Text", ["Part"], "email", "", officer)
        register.new_request("FOI-2024-001", SEED_DATE, "Text", ["Part"], "email", "", officer)
        letter = render_letter(register, "FOI-2024-001")
        # The seed is the Met's request: this installation refuses it, naming the field.
        with pytest.raises(RequestFileError, match="authority.name' is 'Metropolitan Police"):
            import_request_file(SEED, register)
    assert '<p class="authority">Northshire Constabulary</p>' in letter
    assert "1 High Street" in letter and "Sam Example<br>Disclosure Manager" in letter
    assert "Please write to the Freedom of Information Office at the address below" in letter
    # The review address (s17(7)) is printed under the review paragraph as well as above.
    review = letter.split('<address class="review"', 1)[1].split("</address>", 1)[0]
    assert "1 High Street" in review
    assert "Metropolitan" not in letter and "The force" not in letter
    page = TestClient(create_app(db, settings=settings)).get("/log").text
    assert "Northshire Constabulary" in page and "Metropolitan" not in page


def test_the_seed_letter_and_log_carry_the_met_settings(tmp_path: Path) -> None:
    db = tmp_path / "r.sqlite"
    with Register(db, migrate=True) as register:
        import_request_file(SEED, register)
        letter = render_letter(register, REF)
    assert '<p class="authority">Metropolitan Police Service</p>' in letter
    assert "Information Rights Unit<br>" in letter and "Telephone: 0303 123 1113" in letter
    assert "Please write to the Information Rights Unit at the address below" in letter
    assert '<address class="review" data-element="review_address">' in letter
    page = TestClient(create_app(db)).get("/log").text
    assert "Metropolitan Police Service" in page


def test_request_export_keeps_the_authority(tmp_path: Path) -> None:
    with Register(tmp_path / "a.sqlite", migrate=True) as first:
        import_request_file(SEED, first)
        exported = export_request_file(first, REF, tmp_path / "exported.yaml")
    data = yaml.safe_load(exported.read_text(encoding="utf-8"))
    assert data["authority"] == {
        "name": "Metropolitan Police Service",
        "type": "police",
        "receipt_rule": "as-received",
    }
    with Register(tmp_path / "b.sqlite", migrate=True) as second:
        import_request_file(exported, second)
        letter = render_letter(second, REF)
    assert '<p class="authority">Metropolitan Police Service</p>' in letter


def test_the_cli_settings_option_reaches_every_layer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SETTINGS_ENV, str(MET))  # restored after the test
    other = _other_force(tmp_path)
    db = tmp_path / "r.sqlite"
    # Importing acts as an account: an officer's token.
    upgrade(db)
    with open_session(db) as session:
        add_user(session, "olly", ["officer"], "a long enough passphrase")
        token = issue_token(session, "olly", "a long enough passphrase")
    result = CliRunner().invoke(
        app,
        ["--settings", str(other), "request", "import", str(SEED), "--db", str(db)],
        env={"FOIDESK_TOKEN": token},
    )
    assert result.exit_code != 0
    assert "Northshire Constabulary" in result.output
