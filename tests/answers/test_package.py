"""The answer package: one type reads and writes manifest.json, old manifests included."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from foidesk.answers.package import (
    MANIFEST_VERSION,
    AnswerPackage,
    FileEntry,
    Manifest,
    PackageError,
)
from foidesk.web.disclosure_log import PublishError, read_answer_dir


def _folder(tmp_path: Path, manifest: object) -> Path:
    folder = tmp_path / "answer"
    folder.mkdir()
    (folder / "tables.xlsx").write_bytes(b"workbook")
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_manifest_without_a_version_is_read_and_rewritten_as_the_current_one(
    tmp_path: Path,
) -> None:
    old = {
        "request": "01.FOI.24.000001",
        "tables": [{"id": "table_1", "title": "Table 1: offences"}],
        "disclosure_control": {
            "method": "suppress",
            "passed": True,
            "pattern": [{"table": "table_1", "row": ["2019"], "column": ["Total"]}],
            "solver": {"status": "optimal"},
        },
        # Before the schema had a version, a file entry could name its file "file".
        "files": [{"file": "tables.xlsx", "title": "Tables", "sha256": _sha(b"workbook")}],
    }
    folder = _folder(tmp_path, old)
    package = AnswerPackage.read(folder)
    assert package.manifest.version == MANIFEST_VERSION == 2
    assert [f.path for f in package.manifest.files] == ["tables.xlsx"]
    assert package.withheld == frozenset({("table_1", (("2019",), ("Total",)))})
    assert package.table_titles == ["Table 1: offences"]
    assert not package.failed_audit
    package.write()
    written = json.loads((folder / "manifest.json").read_text())
    assert written["version"] == 2
    assert written["files"][0]["path"] == "tables.xlsx" and "file" not in written["files"][0]
    # Fields the statistics engine adds to its report are kept as written.
    assert written["disclosure_control"]["solver"] == {"status": "optimal"}
    assert AnswerPackage.read(folder).to_json() == written


def test_a_bare_list_of_files_is_read_as_version_0(tmp_path: Path) -> None:
    folder = _folder(tmp_path, [{"path": "tables.xlsx", "title": "T", "sha256": _sha(b"w")}])
    assert [f.title for f in AnswerPackage.read(folder).manifest.files] == ["T"]


def test_errors_name_the_manifest_and_field(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {"version": 1, "files": [{"path": "tables.xlsx", "title": "T"}]})
    with pytest.raises(PackageError, match=r"manifest.json, files\[1\] \(tables.xlsx\): field "):
        AnswerPackage.read(folder)
    (folder / "manifest.json").write_text(json.dumps({"version": 3, "files": []}))
    with pytest.raises(PackageError, match="field 'version' is 3; this foidesk reads .* 2"):
        AnswerPackage.read(folder)
    (folder / "manifest.json").write_text(json.dumps({"version": 1, "colour": "blue"}))
    with pytest.raises(PackageError, match="colour: Extra inputs are not permitted"):
        AnswerPackage.read(folder)
    (folder / "manifest.json").write_text("{not json")
    with pytest.raises(PackageError, match="not valid JSON"):
        AnswerPackage.read(folder)
    with pytest.raises(PackageError, match="no manifest.json"):
        AnswerPackage.read(tmp_path)


def test_failed_its_audit_is_a_property_the_log_obeys(tmp_path: Path) -> None:
    entry = FileEntry.of(_folder(tmp_path, {}) / "tables.xlsx", "Tables")
    folder = tmp_path / "answer"
    control = {"method": "suppress", "passed": False, "pattern": []}
    package = AnswerPackage(folder, Manifest(files=[entry], disclosure_control=control))
    package.write()
    again = AnswerPackage.read(folder)
    assert again.failed_audit
    with pytest.raises(PackageError, match="failed their disclosure audit"):
        again.check_publishable()
    with pytest.raises(PublishError, match="failed their disclosure audit"):
        read_answer_dir(folder)
    # Rounded tables are not audited: no "passed" is not a failure.
    rounded = Manifest.model_validate({"files": [], "disclosure_control": {"method": "round"}})
    assert not AnswerPackage(folder, rounded).failed_audit
