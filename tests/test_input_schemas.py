"""`foidesk schema` output, checked by an independent validator (jsonschema), and the
misspellings a new user makes, refused with a suggestion by every reader of the file."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from foidesk.answers.answer import read_request
from foidesk.cli import app
from foidesk.foi.register import Register
from foidesk.foi.request_file import RequestFileError, import_request_file, load_request_file
from foidesk.input_files import read_yaml
from foidesk.records.ingest import Mapping, MappingError
from foidesk.stats.specs import SpecError

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SEED = EXAMPLES / "requests" / "01.FOI.24.035331.yaml"


def _schema(kind: str) -> dict:
    result = CliRunner().invoke(app, ["schema", kind])
    assert result.exit_code == 0, result.output
    schema = json.loads(result.output)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


def _validator(kind: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        _schema(kind), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*/*.yaml")), ids=lambda p: p.name)
def test_every_example_validates_against_its_schema(path: Path) -> None:
    kinds = {"requests": "request", "mappings": "mapping", "settings": "settings"}
    kind = {**kinds, "reviews": "review"}[path.parent.name]
    data = read_yaml(path)
    errors = list(_validator(kind).iter_errors(data))
    assert errors == []
    if kind == "request":
        table = _validator("table")
        assert all(not list(table.iter_errors(t)) for t in data["tables"])


def test_the_settings_schema_offers_only_keys_a_file_may_set() -> None:
    # Where the settings came from is recorded by the loader, not written in the file.
    assert set(_schema("settings")["properties"]) == {
        "authority",
        "crime_store",
        "web",
        "mail",
        "requests",
    }


def _seed_text_with(tmp_path: Path, old: str, new: str) -> Path:
    text = SEED.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "request.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


MISSPELLINGS = [
    # (text in the seed, the same misspelt, the misspelt key, the key it should be)
    ("handled_by:", "handeld_by:", "handeld_by", "handled_by"),
    ("disclosure_control:\n", "disclosure_contrl:\n", "disclosure_contrl", "disclosure_control"),
    ("# snapshot: 3f2a9c", "snapshots: 3f2a9c", "snapshots", "snapshot"),
    (
        "tables:\n  - id: table_1",
        "earlier_disclosure: []\ntables:\n  - id: table_1",
        "earlier_disclosure",
        "earlier_disclosures",
    ),
    (
        "      how_known_groups: [Former intimate partner]\n    rows:",
        "      how_known_group: [Former intimate partner]\n    rows:",
        "how_known_group",
        "how_known_groups",
    ),
    ("  receipt_rule: as-received", "  reciept_rule: as-received", "reciept_rule", "receipt_rule"),
]
# Keys inside the FOI part are checked by the FOI desk's readers, not the statistics engine.
FOI_INSIDE = {"reciept_rule"}


@pytest.mark.parametrize(
    ("old", "new", "wrong", "suggested"), MISSPELLINGS, ids=[m[2] for m in MISSPELLINGS]
)
def test_a_misspelt_key_is_refused_with_a_suggestion_by_every_reader(
    tmp_path: Path, old: str, new: str, wrong: str, suggested: str
) -> None:
    path = _seed_text_with(tmp_path, old, new)
    lines = path.read_text(encoding="utf-8").splitlines()
    line = next(i for i, text in enumerate(lines, 1) if text.strip().startswith(f"{wrong}:"))
    expected = f"line {line}: "
    hint = f"{wrong}: unknown key (did you mean {suggested}"
    # The statistics engine (foidesk answer) ...
    if wrong not in FOI_INSIDE:
        with pytest.raises(SpecError) as stats_error:
            read_request(path)
        assert expected in str(stats_error.value) and hint in str(stats_error.value)
    # ... the register's import ...
    with pytest.raises(RequestFileError) as foi_error:
        load_request_file(path)
    assert expected in str(foi_error.value) and hint in str(foi_error.value)
    with Register(tmp_path / "r.sqlite", migrate=True) as register, pytest.raises(RequestFileError):
        import_request_file(path, register)
    # ... and the independent validator with the printed schema.
    assert list(_validator("request").iter_errors(read_yaml(path)))


def test_a_misspelt_mapping_key_is_refused_with_a_suggestion(tmp_path: Path) -> None:
    source = EXAMPLES / "mappings" / "police_uk_city_of_london.yaml"
    text = source.read_text(encoding="utf-8")
    path = tmp_path / "mapping.yaml"
    path.write_text(text.replace("sources:", "sourcse:", 1), encoding="utf-8")
    with pytest.raises(
        MappingError,
        match=r"mapping.yaml: line \d+: sourcse: unknown key \(did you mean sources",
    ):
        Mapping(path)
    assert list(_validator("mapping").iter_errors(read_yaml(path)))


def test_an_unknown_schema_kind_is_refused() -> None:
    result = CliRunner().invoke(app, ["schema", "tabel"])
    assert result.exit_code == 2
    assert "did you mean table?" in result.output


def test_the_statistics_part_knows_every_foi_key_by_name() -> None:
    # The statistics engine refuses a misspelt top-level key only if it knows them all.
    from foidesk.answers.answer import StatisticsPart
    from foidesk.foi.request_schema import FoiPart, RequestFile

    assert set(FoiPart.model_fields) <= set(StatisticsPart.model_fields)
    assert set(RequestFile.model_fields) == set(StatisticsPart.model_fields)
