"""A request file cannot publish nonsense: unknown codes, tables of zeros, bad YAML and dates."""

from __future__ import annotations

import json
import tracemalloc
from datetime import date
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from foidesk.answers.answer import answer, read_request
from foidesk.cli import app
from foidesk.db import open_session
from foidesk.foi.accounts import add_user, issue_token
from foidesk.foi.register import Register
from foidesk.foi.request_file import RequestFileError, import_request_file
from foidesk.records.store import Store
from foidesk.stats.cases import Case, write_cases
from foidesk.stats.specs import SpecError

SEED = Path(__file__).resolve().parents[2] / "examples" / "requests" / "01.FOI.24.035331.yaml"

CASES = [
    Case(date(2023, 2, 1), victims=("F",), suspects=("M",), pairs=((0, 0, "XP"),)),
    Case(date(2021, 6, 1), offence="8/65", victims=("M",), suspects=("F",), pairs=((0, 0, "XB"),)),
]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "store.duckdb"
    with Store(path) as store:
        write_cases(store, CASES)
    return path


def _seed_with(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "request.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _population(index: int, **values: object):
    def change(data: dict) -> None:
        data["tables"][index]["population"].update(values)

    return change


@pytest.mark.parametrize(
    ("field", "value", "suggestion"),
    [
        (
            "offence_groups",
            ["Controling or coercive behaviour"],
            "Controlling or coercive behaviour",
        ),
        ("offence_codes", ["8/99"], None),
        ("how_known_codes", ["ZZ"], None),
        ("how_known_groups", ["Former intimite partner"], "Former intimate partner"),
        ("areas", ["Westminstr"], None),
    ],
)
def test_an_unknown_code_is_an_error_naming_table_field_and_value(
    db: Path, tmp_path: Path, field: str, value: list[str], suggestion: str | None
) -> None:
    path = _seed_with(tmp_path, _population(0, **{field: value}))
    out = tmp_path / "out"
    with pytest.raises(SpecError) as caught:
        answer(path, db, out)
    message = str(caught.value)
    assert f"request.yaml: table table_1: population.{field}: {value[0]!r}" in message
    assert "not in the snapshot's reference data" in message
    if suggestion:
        assert f"did you mean {suggestion}" in message
    else:
        assert "known: " in message
    assert not (out / "tables.xlsx").exists()


def test_the_cli_says_did_you_mean_and_exits_non_zero(db: Path, tmp_path: Path) -> None:
    path = _seed_with(tmp_path, _population(0, offence_groups=["Controling or coercive behaviour"]))
    result = CliRunner().invoke(app, ["answer", str(path), "--store", str(db), "--out", "out"])
    assert result.exit_code == 2
    assert "did you mean Controlling or coercive behaviour?" in result.output


def test_a_table_of_zeros_warns_in_the_cli_and_the_manifest(db: Path, tmp_path: Path) -> None:
    # Every code is valid, but nothing in the store was recorded in 2010.
    def change(data: dict) -> None:
        data["tables"][2]["rows"][0]["period"].update({"from": "2010-01-01", "to": "2010-12-31"})

    path = _seed_with(tmp_path, change)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["answer", str(path), "--store", str(db), "--out", str(out)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    warning = "table table_3: every cell is 0; check its population against the snapshot"
    # Table 1 (2023, former partners) has one pair; table 3 now has none.
    assert warning in manifest["warnings"]
    assert not any(w.startswith("table table_1:") for w in manifest["warnings"])
    assert f"warning: {warning}" in result.output


def test_an_invalid_date_in_the_foi_part_is_a_clear_message(tmp_path: Path) -> None:
    # Written unquoted, as people write dates: the YAML parser must not be the one to fail.
    path = tmp_path / "request.yaml"
    text = SEED.read_text(encoding="utf-8")
    path.write_text(text.replace("sought: 2024-04-26", "sought: 2024-02-30"), encoding="utf-8")
    with (
        Register(tmp_path / "r.sqlite", migrate=True) as register,
        pytest.raises(RequestFileError) as caught,
    ):
        import_request_file(path, register)
    message = str(caught.value)
    assert "request.yaml: " in message and "clarification.sought" in message
    assert "2024-02-30" in message
    assert "Traceback" not in message and len(message.splitlines()) <= 3
    with open_session(tmp_path / "r.sqlite") as session:
        add_user(session, "olly", ["officer"], "a long enough passphrase")
        token = issue_token(session, "olly", "a long enough passphrase")
    result = CliRunner().invoke(
        app,
        ["request", "import", str(path), "--db", str(tmp_path / "r.sqlite")],
        env={"FOIDESK_TOKEN": token},
    )
    assert result.exit_code != 0
    assert "clarification.sought" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


BOMB = """\
reference: 01.FOI.24.035331
title: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
subject: [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


def test_a_yaml_alias_bomb_is_refused_before_it_expands(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB, encoding="utf-8")
    # The 21st alias is the third on line 5; nothing was expanded, so little memory was used.
    tracemalloc.start()
    try:
        with pytest.raises(SpecError, match=r"bomb.yaml: line 5: more than 20 YAML aliases"):
            read_request(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2_000_000
    with (
        Register(tmp_path / "r.sqlite", migrate=True) as register,
        pytest.raises(RequestFileError, match="more than 20 YAML aliases"),
    ):
        import_request_file(path, register)


def test_a_few_aliases_are_still_read(tmp_path: Path) -> None:
    text = SEED.read_text(encoding="utf-8")
    text = text.replace(
        "      offence_groups: [Controlling or coercive behaviour]\n      recorded:",
        "      offence_groups: &ccb [Controlling or coercive behaviour]\n      recorded:",
        1,
    ).replace(
        "offence_groups: [Controlling or coercive behaviour]\n    rows:",
        "offence_groups: *ccb\n    rows:",
    )
    path = tmp_path / "aliases.yaml"
    path.write_text(text, encoding="utf-8")
    request = read_request(path)
    groups = {t.population.offence_groups for t in request.tables if t.id in ("table_1", "table_3")}
    assert groups == {("Controlling or coercive behaviour",)}


def test_a_bad_disclosure_setting_is_a_message_not_a_traceback(db: Path, tmp_path: Path) -> None:
    path = _seed_with(tmp_path, lambda d: d["disclosure_control"].update(range=[3, 2]))
    result = CliRunner().invoke(app, ["answer", str(path), "--store", str(db), "--out", "out"])
    assert result.exit_code == 2
    assert "need 1 <= low <= high, not low=3, high=2" in result.output
    assert not isinstance(result.exception, ValueError)
