"""Mapping files: the YAML that says how a force's CSV files become canonical rows.

``Mapping`` parses and checks one mapping file (documented in docs/records.md) before any
data is read: unknown options, sources, columns and links are ``MappingError``s naming the
file and the entry. It also records, per source, the columns the mapping needs.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from foidesk.input_files import InputError, did_you_mean, parse_yaml, validate
from foidesk.records.derivations import DERIVATIONS
from foidesk.records.mapping_schema import MappingFile
from foidesk.records.reference import REFERENCE_DIR
from foidesk.records.schema import (
    CRIMES,
    OUTCOMES,
    RELATIONSHIPS,
    SUSPECTS,
    TABLES_BY_NAME,
    VICTIMS,
)
from foidesk.records.sql import quote_name as _q
from foidesk.records.store import default_force

MAPPING_VERSION = 1
_TOP_KEYS = {
    "mapping",
    "name",
    "description",
    "force",
    "source_dir",
    "reference",
    "sources",
    "tables",
}
_SOURCE_KEYS = {"files", "one_per", "delimiter", "encoding", "max_lines", "max_rejected"}
_TABLE_KEYS = {"from", "join", "key", "crime", "victim", "suspect", "skip", "columns", "latest"}
_SPEC_KEYS = {
    "column",
    "constant",
    "date_format",
    "map",
    "otherwise",
    "default",
    "first",
    "derive",
    "groups",
    "null_if",
}
_SKIP_KEYS = {"column", "empty", "in", "not_in", "reason"}
_GENERATED = {"crime_id", "victim_id", "suspect_id"}  # ids the loader assigns or resolves
_LINKS = {  # canonical table -> the links its rows name, in the order they resolve
    CRIMES.name: (),
    VICTIMS.name: ("crime",),
    SUSPECTS.name: ("crime",),
    RELATIONSHIPS.name: ("victim", "suspect"),
    OUTCOMES.name: ("crime",),
}
_CODE_CHECKS = {  # (table, code column) -> (reference table it must be in, scheme column)
    ("crimes", "offence_code"): ("offence_classification", "offence_scheme"),
    ("relationships", "how_known"): ("how_known_codes", "how_known_scheme"),
    ("victims", "sex"): ("sexes", None),
    ("suspects", "sex"): ("sexes", None),
    ("outcomes", "outcome_code"): ("outcome_types", None),
}


class MappingError(ValueError):
    """The mapping file, a source file or a source column is wrong; nothing was loaded."""


@dataclass
class SourceSpec:
    """One source of a mapping: its files and how to read them."""

    name: str
    pattern: str
    one_per: list[str]
    delimiter: str
    encoding: str
    needed: set[str] = field(default_factory=set)
    # Physical lines one record may span: 1 unless a field may hold line breaks.
    max_lines: int = 1
    # Rejected records allowed before the load fails: a fraction of the source's records.
    max_rejected: float = 0.01


class Mapping:
    """A parsed, checked mapping file. Errors name the file and the offending entry."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise MappingError(f"{self.path}: mapping file not found")
        self.text = self.path.read_bytes()
        try:
            text = self.text.decode("utf-8")
            raw = parse_yaml(text, str(self.path))
        except UnicodeDecodeError as exc:
            raise MappingError(f"{self.path}: not UTF-8 text: {exc}") from None
        except InputError as exc:
            raise MappingError(str(exc)) from None
        if not isinstance(raw, dict):
            raise MappingError(f"{self.path}: a mapping file is a YAML mapping of sections")
        try:
            validate(MappingFile, raw, str(self.path), text)
        except InputError as exc:
            raise MappingError(str(exc)) from None
        self._check_keys(raw, _TOP_KEYS, "top level")
        if raw.get("mapping") != MAPPING_VERSION:
            raise MappingError(f"{self.path}: 'mapping: {MAPPING_VERSION}' (format version) needed")
        self.name: str = raw.get("name") or self.path.stem
        # A single-force extract names its force once (else the settings' force);
        # crimes.columns.force overrides it.
        self.force: str | None = raw.get("force") or default_force()
        self.source_dir = raw.get("source_dir")
        self.reference = self._reference(raw.get("reference") or {})
        self.sources = self._sources(raw.get("sources"))
        self.tables = self._tables(raw.get("tables"))

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text).hexdigest()

    def fail(self, where: str, message: str) -> MappingError:
        return MappingError(f"{self.path}: {where}: {message}")

    def _check_keys(self, section: Any, allowed: set[str], where: str) -> None:
        if not isinstance(section, dict):
            raise self.fail(where, "expected a mapping of options")
        unknown = sorted(set(section) - allowed)
        if unknown:
            hint = did_you_mean(unknown[0], allowed) or f" (allowed: {sorted(allowed)})"
            raise self.fail(where, f"unknown option {unknown[0]!r}{hint}")

    def _reference(self, section: dict[str, Any]) -> dict[str, list[Path]]:
        self._check_keys(
            section,
            {"offence_classification", "how_known_codes", "outcome_types", "sexes"},
            "reference",
        )
        files: dict[str, list[Path]] = {}
        for table, names in section.items():
            paths = []
            for name in names if isinstance(names, list) else [names]:
                here = self.path.parent / name
                shipped = REFERENCE_DIR / name
                if here.is_file():
                    paths.append(here)
                elif shipped.is_file():
                    paths.append(shipped)
                else:
                    raise self.fail(f"reference.{table}", f"file {name!r} not found")
            files[table] = paths
        return files

    def _sources(self, section: Any) -> dict[str, SourceSpec]:
        if not section or not isinstance(section, dict):
            raise self.fail("sources", "give at least one source: {name: {files: ...}}")
        sources = {}
        for name, spec in section.items():
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(name)):
                raise self.fail(f"sources.{name}", "a source name is letters, digits and _")
            self._check_keys(spec, _SOURCE_KEYS, f"sources.{name}")
            if "files" not in spec:
                raise self.fail(f"sources.{name}", "'files' (a file name or glob) is needed")
            max_lines = spec.get("max_lines", 1)
            if not isinstance(max_lines, int) or isinstance(max_lines, bool) or max_lines < 1:
                raise self.fail(
                    f"sources.{name}.max_lines",
                    f"a whole number of lines, 1 or more (got {max_lines!r})",
                )
            sources[name] = SourceSpec(
                name,
                spec["files"],
                list(spec.get("one_per") or []),
                spec.get("delimiter", ","),
                spec.get("encoding", "utf-8"),
                set(spec.get("one_per") or []),
                max_lines,
                self._share(spec.get("max_rejected", "1%"), f"sources.{name}.max_rejected"),
            )
        return sources

    def _share(self, value: Any, where: str) -> float:
        """A percentage such as ``1%`` or ``0.5%`` as a fraction."""
        text = str(value).strip()
        match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*%", text)
        if not match or float(match.group(1)) > 100:
            raise self.fail(where, f"a percentage of the source's records, e.g. 1% (got {value!r})")
        return float(match.group(1)) / 100

    def _tables(self, section: Any) -> dict[str, dict[str, Any]]:
        self._check_keys(section or {}, set(_LINKS), "tables")
        if CRIMES.name not in (section or {}):
            raise self.fail("tables", "the crimes table is needed")
        tables = {}
        for name, spec in section.items():
            where = f"tables.{name}"
            self._check_keys(spec, _TABLE_KEYS, where)
            if spec.get("from") not in self.sources:
                raise self.fail(f"{where}.from", f"no source called {spec.get('from')!r}")
            aliases = {spec["from"]: spec["from"]}
            for i, join in enumerate(spec.get("join") or []):
                if isinstance(join, dict) and True in join:  # YAML 1.1 reads a bare `on` as true
                    join["on"] = join.pop(True)
                self._check_keys(join, {"source", "on"}, f"{where}.join[{i}]")
                if join.get("source") not in self.sources:
                    raise self.fail(
                        f"{where}.join[{i}]", f"no source called {join.get('source')!r}"
                    )
                if not isinstance(join.get("on"), dict) or not join["on"]:
                    raise self.fail(f"{where}.join[{i}].on", "give {left column: right column}")
                for left, right in join["on"].items():
                    self.ref(aliases, spec["from"], left, f"{where}.join[{i}].on")
                    self.sources[join["source"]].needed.add(right)
                aliases[join["source"]] = join["source"]
            for link in ("key",) + _LINKS[name]:
                for column in spec.get(link) or []:
                    self.ref(aliases, spec["from"], column, f"{where}.{link}")
            for link in ("key",) + _LINKS[name] if name == CRIMES.name else _LINKS[name]:
                if not spec.get(link):
                    raise self.fail(
                        where, f"'{link}' (the source columns naming the {link}) needed"
                    )
            for i, rule in enumerate(spec.get("skip") or []):
                self._check_keys(rule, _SKIP_KEYS, f"{where}.skip[{i}]")
                if "reason" not in rule or "column" not in rule:
                    raise self.fail(f"{where}.skip[{i}]", "'column' and 'reason' are needed")
                self.ref(aliases, spec["from"], rule["column"], f"{where}.skip[{i}]")
            canonical = TABLES_BY_NAME[name]
            columns = spec.get("columns") or {}
            self._check_keys(columns, set(canonical.column_names) - _GENERATED, f"{where}.columns")
            for column, col_spec in columns.items():
                self._check_spec(aliases, spec["from"], col_spec, f"{where}.columns.{column}")
            required = [
                c.name
                for c in canonical.columns
                if not c.nullable
                and c.name not in _GENERATED | {"source"}
                and c.name not in columns
            ]
            if name == RELATIONSHIPS.name:
                required = [c for c in required if c != "crime_id"]
            if required:
                raise self.fail(f"{where}.columns", f"no rule for required column {required[0]!r}")
            if spec.get("latest") and spec["latest"] not in columns:
                raise self.fail(f"{where}.latest", f"{spec['latest']!r} is not a mapped column")
            tables[name] = spec
        return tables

    def _check_spec(self, aliases: dict[str, str], base: str, spec: Any, where: str) -> None:
        if not isinstance(spec, dict):
            spec = {"constant": spec}
        self._check_keys(spec, _SPEC_KEYS, where)
        kinds = [k for k in ("column", "constant", "first", "derive") if k in spec]
        if len(kinds) != 1:
            raise self.fail(where, "give exactly one of column, constant, first or derive")
        if "column" in spec:
            self.ref(aliases, base, spec["column"], where)
        if "first" in spec:
            for i, alternative in enumerate(spec["first"]):
                self._check_spec(aliases, base, alternative, f"{where}.first[{i}]")
        if "derive" in spec:
            self._check_derivation(spec, where)
        if "map" in spec and not isinstance(spec["map"], dict):
            raise self.fail(f"{where}.map", "give {source value: canonical value}")
        if "null_if" in spec and (not isinstance(spec["null_if"], list) or "column" not in spec):
            raise self.fail(f"{where}.null_if", "give a list of source values meaning 'none'")

    def _check_derivation(self, spec: dict[str, Any], where: str) -> None:
        """A ``derive`` rule names a registered derivation of this very column."""
        found = DERIVATIONS.get(str(spec["derive"]))
        if found is None:
            hint = did_you_mean(str(spec["derive"]), set(DERIVATIONS)) or (
                f" (derivations: {', '.join(sorted(DERIVATIONS))})"
            )
            raise self.fail(f"{where}.derive", f"no derivation {spec['derive']!r}{hint}")
        if not where.endswith(f".{found.table}.columns.{found.column}"):
            raise self.fail(
                f"{where}.derive",
                f"{found.name} derives {found.table}.{found.column} only",
            )
        extra = sorted(set(spec) - {"derive"} - found.keys)
        if extra:
            raise self.fail(f"{where}.{extra[0]}", f"{found.name} takes no {extra[0]!r}")

    def ref(self, aliases: dict[str, str], base: str, column: str, where: str) -> str:
        """SQL for a column reference ``COLUMN`` or ``source.COLUMN``; records it as needed."""
        prefix, _, rest = str(column).partition(".")
        if rest and prefix in aliases:
            source, name = prefix, rest
        else:
            source, name = base, str(column)
        if source not in self.sources:
            raise self.fail(where, f"no source called {source!r}")
        self.sources[source].needed.add(name)
        return f"{_q(source)}.{_q(name)}"
