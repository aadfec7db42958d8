"""The answer package: the folder of files that answer one request, and its manifest.

An answer package is a directory holding the files that go out (the workbook, one CSV per
table, the letter, released documents) and ``manifest.json``, which lists them with their
SHA-256 and says what the tables are and how disclosure control treated them. Everything
that writes or reads a manifest goes through ``AnswerPackage``: the statistics engine
writes it, the letter adds itself to it, the disclosure log publishes what it lists, the
workspace shows its tables, and a later answer reads its suppression pattern.

The manifest's schema is versioned (``MANIFEST_VERSION``). A manifest without a
``version`` field was written before the schema had one (version 0): it is read as the
current version, with a file entry's old ``file`` key read as ``path`` and a bare list
read as the ``files`` list; writing the package again writes the current version. Version
1 had no table specifications and no exemption for [c] cells; it reads as version 2
without them (such a package cannot serve as an earlier disclosure from the log).

Files for reviewers only (the audit problem that says which [c] cells are the small
counts, unredacted documents, redaction logs) live in the package's ``internal/`` folder,
readable by the owner alone, and never at its top: publishing refuses a folder that
holds one there.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from foidesk.stats.audit import AUDIT_FILE
from foidesk.stats.description import table_title
from foidesk.stats.specs import parse_table
from foidesk.stats.table import CellKey

MANIFEST_FILE = "manifest.json"
MANIFEST_VERSION = 2
INTERNAL_DIR = "internal"
# Names of reviewers-only files, refused at the top of a package.
REVIEWERS_ONLY_FILES = (AUDIT_FILE, "redaction-log.json", "redaction-log.csv")


class PackageError(ValueError):
    """An answer package that cannot be read or used; the message names the file and field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Software(_Strict):
    name: str
    version: str


class Engine(_Strict):
    """Where the tables were computed: ``duckdb`` (the store) or ``spark``, and its version."""

    name: str
    version: str


class SnapshotEntry(_Strict):
    """The crime-record snapshot every table was computed on."""

    id: str
    kind: str
    created_at: str
    provenance: Any = None
    # "pinned by the request" or "current in the store": how the snapshot was chosen.
    chosen: str | None = None


class TableEntry(_Strict):
    """One table of the answer: its title, specification fingerprint and where it is."""

    id: str
    title: str
    counting_unit: str | None = None
    specification_sha256: str | None = None
    notes: list[Any] = Field(default_factory=list)
    file: str | None = None
    sheet: str | None = None
    # The specification as the request file gives it, so a later answer can recompute it.
    specification: dict[str, Any] | None = None


class FileEntry(_Strict):
    """A file of the package; ``public`` false keeps it off the disclosure log."""

    path: str
    title: str
    sha256: str
    bytes: int | None = None
    public: bool = True

    @classmethod
    def of(cls, path: Path, title: str) -> FileEntry:
        """The entry for a file on disk, with its hash and size."""
        return cls(path=path.name, title=title, sha256=sha256_file(path), bytes=path.stat().st_size)


class WithheldCell(_Strict):
    """A cell shown as [c]: its table, row labels and column labels."""

    table: str
    row: list[str]
    column: list[str]

    @property
    def key(self) -> tuple[str, CellKey]:
        return self.table, (tuple(self.row), tuple(self.column))


class WithheldExemption(_Strict):
    """The exemption [c] cells are withheld under: s40(2) unless the request says otherwise."""

    section: str
    subsection: str = ""
    reason: str = ""
    harm: str = ""
    public_interest: dict[str, Any] | None = None

    @property
    def citation(self) -> str:
        """``section 40(2)``, as the Notes and the letter name it."""
        return f"section {self.section.removeprefix('s')}{self.subsection}"


class DisclosureControl(BaseModel):
    """The disclosure-control report: the pattern and whether it passed its audit.

    The fields named here are the ones other parts rely on; the statistics engine adds
    the policy, the solver's status and the audit's intervals, kept as written.
    """

    model_config = ConfigDict(extra="allow")

    method: str
    passed: bool | None = None
    summary: str = ""
    note: str = ""
    applied: bool = True
    cells_marked: int = 0
    pattern: list[WithheldCell] = Field(default_factory=list)
    earlier_disclosures: list[str] = Field(default_factory=list)
    exemption: WithheldExemption | None = None


class Manifest(_Strict):
    """``manifest.json``. A package holding only a letter has no request, snapshot or tables."""

    version: int = MANIFEST_VERSION
    request: str | None = None
    title: str | None = None
    software: Software | None = None
    engine: Engine | None = None
    snapshot: SnapshotEntry | None = None
    tables: list[TableEntry] = Field(default_factory=list)
    disclosure_control: DisclosureControl | None = None
    # What a reviewer should look at before release, e.g. a table whose every cell is 0.
    warnings: list[str] = Field(default_factory=list)
    files: list[FileEntry] = Field(default_factory=list)


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file, read in blocks so large workbooks need little memory."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def reviewers_only_dir(directory: str | Path) -> Path:
    """The package's ``internal/`` folder, created owner-only (0700) if need be."""
    path = Path(directory) / INTERNAL_DIR
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)
    return path


def seal_reviewers_only(directory: str | Path) -> None:
    """Make ``internal/`` and every file under it readable and writable by the owner only."""
    root = Path(directory) / INTERNAL_DIR
    if not root.is_dir():
        return
    root.chmod(0o700)
    for here, folders, files in os.walk(root):
        for name in folders:
            (Path(here) / name).chmod(0o700)
        for name in files:
            (Path(here) / name).chmod(0o600)


def audit_file(directory: str | Path) -> Path:
    """Where a package keeps its audit problem: ``internal/``, or the top for older ones."""
    inside = Path(directory) / INTERNAL_DIR / AUDIT_FILE
    return inside if inside.is_file() else Path(directory) / AUDIT_FILE


def _upgrade(data: Any) -> Any:
    """A version-0 manifest (no ``version`` field) in the current shape."""
    if isinstance(data, list):
        data = {"files": data}
    if not isinstance(data, dict) or "version" in data:
        return data
    data = {**data, "version": MANIFEST_VERSION}
    if isinstance(data.get("files"), list):
        data["files"] = [
            {("path" if k == "file" and "path" not in entry else k): v for k, v in entry.items()}
            if isinstance(entry, dict)
            else entry
            for entry in data["files"]
        ]
    return data


def _where(loc: tuple[Any, ...], data: Any) -> str:
    """``files[2] (tables.xlsx)`` from a validation error's location (lists count from 1)."""
    text = ""
    node = data
    for part in loc:
        if isinstance(part, int):
            text += f"[{part + 1}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            name = node.get("path") if isinstance(node, dict) else None
            if name:
                text += f" ({name})"
        else:
            text += f".{part}" if text else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return text


def _error(path: Path, exc: ValidationError, data: Any) -> PackageError:
    problems = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        if error["type"] == "missing":
            problems.append(f"{_where(loc[:-1], data)}: field '{loc[-1]}' is missing".lstrip(": "))
        else:
            problems.append(f"{_where(loc, data)}: {error['msg']}")
    return PackageError(f"{path}, " + "; ".join(problems))


@dataclass
class AnswerPackage:
    """An answer directory and its manifest, read or about to be written."""

    directory: Path
    manifest: Manifest

    @property
    def manifest_path(self) -> Path:
        return self.directory / MANIFEST_FILE

    @staticmethod
    def exists(directory: str | Path | None) -> bool:
        """Whether ``directory`` holds a manifest."""
        return directory is not None and (Path(directory) / MANIFEST_FILE).is_file()

    @classmethod
    def read(cls, directory: str | Path) -> AnswerPackage:
        """Read a package; errors name the manifest and the field."""
        directory = Path(directory)
        path = directory / MANIFEST_FILE
        if not path.is_file():
            raise PackageError(f"{path}: no manifest.json in the answer directory")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise PackageError(f"{path}: not valid JSON ({exc})") from exc
        data = _upgrade(data)
        if not isinstance(data, dict):
            raise PackageError(f"{path}: expected an object with a 'files' list")
        version = data.get("version")
        if not isinstance(version, int) or version > MANIFEST_VERSION:
            raise PackageError(
                f"{path}: field 'version' is {version!r}; this foidesk reads manifests up to "
                f"version {MANIFEST_VERSION}"
            )
        try:
            manifest = Manifest.model_validate(data)
        except ValidationError as exc:
            raise _error(path, exc, data) from None
        return cls(directory, manifest)

    @classmethod
    def read_or_new(cls, directory: str | Path | None) -> AnswerPackage:
        """The package in ``directory``, or an empty one when it has no manifest yet."""
        if directory is None:
            return cls(Path("."), Manifest())
        return cls.read(directory) if cls.exists(directory) else cls(Path(directory), Manifest())

    def write(self) -> Path:
        """Write ``manifest.json`` (the current version) into the directory."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self.manifest.version = MANIFEST_VERSION
        self.manifest_path.write_text(json.dumps(self.to_json(), indent=2) + "\n", "utf-8")
        return self.manifest_path

    def to_json(self) -> dict[str, Any]:
        """The manifest as written to ``manifest.json``."""
        return self.manifest.model_dump(mode="json")

    @property
    def failed_audit(self) -> bool:
        """True when the tables failed their disclosure audit: the package must not go out."""
        control = self.manifest.disclosure_control
        return control is not None and control.passed is False

    def check_publishable(self) -> None:
        """Raise ``PackageError`` if the package must not be published: its tables failed
        their audit, or a reviewers-only file sits at its top rather than in ``internal/``."""
        misplaced = [n for n in REVIEWERS_ONLY_FILES if (self.directory / n).exists()]
        if misplaced:
            raise PackageError(
                f"{self.directory}: {', '.join(misplaced)} is for reviewers only and must be "
                f"in {INTERNAL_DIR}/, not at the top of the answer folder; nothing published"
            )
        if self.failed_audit:
            raise PackageError(
                f"{self.manifest_path}: field 'disclosure_control.passed' is false: the "
                "tables failed their disclosure audit and must not be published"
            )

    @property
    def withheld(self) -> frozenset[tuple[str, CellKey]]:
        """The [c] cells, as (table id, (row labels, column labels))."""
        control = self.manifest.disclosure_control
        return frozenset(c.key for c in control.pattern) if control else frozenset()

    def withheld_per_table(self) -> dict[str, int]:
        """How many [c] cells each table holds (tables without any are left out)."""
        counts: dict[str, int] = {}
        for table, _ in self.withheld:
            counts[table] = counts.get(table, 0) + 1
        return counts

    @property
    def table_titles(self) -> list[str]:
        return [title for title in self.described_tables().values() if title]

    def described_tables(self) -> dict[str, str]:
        """Each table's title by id, described from the specification the manifest keeps
        (so a title can never say "crimes" where the table counts pairs)."""
        titles = {}
        for table in self.manifest.tables:
            spec = table.specification
            titles[table.id] = (
                table_title(parse_table({"id": table.id, **spec}, "manifest.json", 1))
                if spec
                else table.title
            )
        return titles

    def public_files(self) -> list[FileEntry]:
        """The files listed for publication (``public`` not false), in manifest order."""
        return [f for f in self.manifest.files if f.public]
