"""The exemption catalogue and the s17 refusal-notice checks.

The catalogue (``exemptions.yaml``) lists each exemption or refusal ground a force uses,
whether it is absolute or qualified, prejudice- or class-based, and what a refusal under
it must contain. ``s17_problems`` says what a response still lacks before it may issue.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

CATALOGUE_FILE = Path(__file__).with_name("exemptions.yaml")

DECISIONS: tuple[str, ...] = (
    "disclosed",
    "partly disclosed",
    "not held",
    "withheld",
    "neither confirm nor deny",
)
# Decisions that refuse some information, and so need a s17 refusal notice.
REFUSING_DECISIONS = frozenset({"partly disclosed", "withheld", "neither confirm nor deny"})


@dataclass(frozen=True)
class CatalogueEntry:
    """One section of the Act as the catalogue describes it."""

    section: str
    title: str
    kind: str
    absolute: bool
    basis: str
    ncnd: str | None
    must_contain: tuple[str, ...]

    @property
    def qualified(self) -> bool:
        return not self.absolute

    @property
    def description(self) -> str:
        """How a refusal notice describes it, e.g. 'a prejudice-based qualified exemption'."""
        if self.kind == "ground":
            return "a ground for refusal outside Part II of the Act"
        kind = "absolute" if self.absolute else "qualified"
        if self.basis == "prejudice":
            return f"a prejudice-based {kind} exemption"
        return f"a class-based {kind} exemption"


@lru_cache(maxsize=4)
def catalogue(path: Path = CATALOGUE_FILE) -> dict[str, CatalogueEntry]:
    """Every entry of the catalogue file, keyed by section ('s31')."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries: dict[str, CatalogueEntry] = {}
    for section, item in raw.items():
        for key in ("title", "kind", "absolute", "basis", "must_contain"):
            if key not in item:
                raise ValueError(f"{path}: entry {section}: missing field {key!r}")
        entries[section] = CatalogueEntry(
            section=section,
            title=item["title"],
            kind=item["kind"],
            absolute=bool(item["absolute"]),
            basis=item["basis"],
            ncnd=item.get("ncnd"),
            must_contain=tuple(item["must_contain"]),
        )
    return entries


def normalise_section(section: str) -> str:
    """'31', 'S31', 'section 31' and 's31' all name the catalogue entry 's31'."""
    text = section.strip().lower().removeprefix("section").strip().removeprefix("s").strip()
    return f"s{text}"


def lookup(section: str) -> CatalogueEntry:
    """The catalogue entry for ``section``, or a clear error listing what exists."""
    key = normalise_section(section)
    entries = catalogue()
    if key not in entries:
        raise KeyError(f"{section!r} is not in the exemption catalogue ({', '.join(entries)})")
    return entries[key]


def exemption_problems(exemption: Mapping[str, Any]) -> list[str]:
    """What an applied exemption lacks for a s17 refusal notice (empty when complete)."""
    entry = lookup(exemption["section"])
    name = f"{entry.section}{exemption.get('subsection') or ''}"
    problems = []
    if entry.kind == "exemption" and not (exemption.get("reason") or exemption.get("harm")):
        problems.append(f"{name}: say why the exemption applies (s17(1)(c))")
    if entry.basis == "prejudice" and not exemption.get("harm"):
        problems.append(f"{name} is prejudice-based: state the harm disclosure would cause")
    # A section with limbs of both kinds (s40) may say which one applies.
    absolute = entry.absolute if exemption.get("absolute") is None else exemption["absolute"]
    if not absolute:
        missing = [
            label
            for key, label in (
                ("factors_for", "factors favouring disclosure"),
                ("factors_against", "factors favouring non-disclosure"),
                ("balance", "the balance"),
            )
            if not exemption.get(key)
        ]
        if missing:
            problems.append(
                f"{name} is a qualified exemption: the public interest test needs "
                + ", ".join(missing)
                + " (s17(3))"
            )
    if entry.section == "s12" and not exemption.get("reason"):
        problems.append("s12: give the cost estimate and how it was reached")
    return problems


def s17_problems(parts: Iterable[Mapping[str, Any]], *, rights_given: bool = True) -> list[str]:
    """Everything that stops a response being issued under s17, as plain messages.

    ``parts`` are mappings with ``number``, ``decision``, ``not_held`` (what the part asks
    for that is not held) and ``exemptions`` (mappings with
    section, subsection, reason, harm, factors_for, factors_against, balance).
    """
    problems = []
    for part in parts:
        number = part["number"]
        decision = part.get("decision")
        exemptions = list(part.get("exemptions") or [])
        if decision is None:
            problems.append(f"part {number}: no decision recorded")
            continue
        # Partly disclosed because the rest is not held is not a refusal under Part II.
        explained = bool(exemptions) or (decision == "partly disclosed" and part.get("not_held"))
        if decision in REFUSING_DECISIONS and not explained:
            problems.append(
                f"part {number} is '{decision}': name the exemption relied on (s17(1)(b))"
            )
        for exemption in exemptions:
            problems.extend(f"part {number}: {p}" for p in exemption_problems(exemption))
    if not rights_given:
        problems.append("the response must give internal review and ICO (s50) rights")
    return problems
