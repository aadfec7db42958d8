"""The exemption catalogue and the s17 refusal-notice checks.

The catalogue (``exemptions.yaml``) lists each exemption or refusal ground a force uses,
whether it is absolute or qualified, prejudice- or class-based, its neither-confirm-nor-deny
limbs, and what a refusal under it must contain. ``decision_problems`` says what is wrong with
a part's decision and the sections it cites (an NCND response citing a limb that is not an
NCND limb, s14 called "withheld", "not held" without the reason); ``s17_problems`` says what
a response still lacks before it may issue.
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
    "refused",
)
NCND = "neither confirm nor deny"
# s12 and s14 are not exemptions: a part they cover is "refused", never "withheld".
REFUSED = "refused"
# Decisions that refuse some information, and so need a s17 refusal notice.
REFUSING_DECISIONS = frozenset({"partly disclosed", "withheld", NCND, REFUSED})


@dataclass(frozen=True)
class CatalogueEntry:
    """One section of the Act as the catalogue describes it."""

    section: str
    title: str
    kind: str
    absolute: bool
    basis: str
    ncnd: tuple[str, ...]  # the NCND limbs' subsections, e.g. ("(5A)", "(5B)") for s40
    must_contain: tuple[str, ...]

    @property
    def qualified(self) -> bool:
        return not self.absolute

    @property
    def ncnd_limbs(self) -> tuple[str, ...]:
        """The limbs as cited: ('s40(5A)', 's40(5B)')."""
        return tuple(f"{self.section}{limb}" for limb in self.ncnd)

    def is_ncnd_limb(self, subsection: str) -> bool:
        """Whether ``subsection`` ('(3)', '(5B)(a)(i)') is, or is within, an NCND limb."""
        cited = "".join((subsection or "").split())
        return any(cited.startswith(limb) for limb in self.ncnd)

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
            ncnd=_ncnd_limbs(item.get("ncnd"), section, path),
            must_contain=tuple(item["must_contain"]),
        )
    return entries


def _ncnd_limbs(value: Any, section: str, path: Path) -> tuple[str, ...]:
    """'31(3)' entries as their subsections, '(3)'; each must be of its own section."""
    number = section.removeprefix("s")
    limbs = []
    for limb in value or []:
        text = "".join(str(limb).split())
        if not text.startswith(f"{number}("):
            raise ValueError(f"{path}: entry {section}: ncnd limb {limb!r} is not of {section}")
        limbs.append(text.removeprefix(number))
    return tuple(limbs)


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
    earlier = (exemption.get("earlier_reference"), exemption.get("earlier_notice_on"))
    if any(earlier) and entry.section != "s14":
        problems.append(f"{name}: only a s14 refusal relies on an earlier notice (s17(6))")
    elif any(earlier) and not all(earlier):
        problems.append(
            f"{name}: s17(6) needs the earlier request's reference and the date its s14 "
            "refusal notice was given (earlier_notice: {reference, given})"
        )
    if entry.section == "s14" and _subsection(exemption) not in ("(1)", "(2)"):
        problems.append(f"{name}: say which limb applies, s14(1) (vexatious) or s14(2) (repeated)")
    return problems


def _subsection(exemption: Mapping[str, Any]) -> str:
    return "".join(str(exemption.get("subsection") or "").split())


def _cited(exemption: Mapping[str, Any]) -> str:
    return f"{lookup(exemption['section']).section}{_subsection(exemption)}"


def decision_problems(
    number: int,
    decision: str | None,
    exemptions: Iterable[Mapping[str, Any]],
    *,
    not_held: str = "",
) -> list[str]:
    """What is wrong with a part's decision and the sections it cites, as plain messages.

    A part that neither confirms nor denies cites an NCND limb of each section (s31(3), not
    s31(1)(a)), and a part that confirms the information is held cites none. s12 and s14
    are not exemptions: a part refused under them alone is "refused", never "withheld",
    and s14 refuses the whole of a part or nothing. "Not held" says why.
    """
    applied = list(exemptions)
    problems = []
    where = f"part {number}"
    grounds = [e for e in applied if lookup(e["section"]).kind == "ground"]
    if decision == NCND:
        if not_held.strip():
            problems.append(
                f"{where} neither confirms nor denies: it cannot say what is not held, which "
                "would deny holding it"
            )
        for e in applied:
            entry = lookup(e["section"])
            if entry.is_ncnd_limb(_subsection(e)):
                continue
            if not entry.ncnd:
                problems.append(
                    f"{where} neither confirms nor denies, but {entry.section} has no "
                    "neither-confirm-nor-deny limb"
                )
            else:
                problems.append(
                    f"{where} neither confirms nor denies, but {_cited(e)} is not a "
                    f"neither-confirm-nor-deny limb: cite {' or '.join(entry.ncnd_limbs)}"
                )
        return problems
    for e in applied:
        entry = lookup(e["section"])
        if entry.kind == "exemption" and entry.is_ncnd_limb(_subsection(e)):
            problems.append(
                f"{where} is '{decision}', which confirms the information is held, but "
                f"{_cited(e)} is a neither-confirm-nor-deny limb: decide '{NCND}', or cite "
                f"the limb of {entry.section} that exempts the information itself"
            )
    if decision == REFUSED:
        exempt = [e for e in applied if lookup(e["section"]).kind == "exemption"]
        for e in exempt:
            problems.append(
                f"{where} is '{REFUSED}', which is for s12 and s14, but {_cited(e)} is an "
                "exemption: decide 'withheld' or 'partly disclosed'"
            )
    else:
        for e in grounds:
            cited = _cited(e)
            if lookup(e["section"]).section == "s14":
                problems.append(
                    f"{where}: s14 is not an exemption, and refuses the request rather than "
                    f"withholding information: decide '{REFUSED}', not '{decision}'"
                )
            elif decision == "withheld" and len(grounds) == len(applied):
                problems.append(
                    f"{where}: {cited} is not an exemption: a part refused on cost is "
                    f"'{REFUSED}', not 'withheld'"
                )
    if decision == "not held" and not not_held.strip():
        problems.append(
            f"{where} is 'not held': say why the force does not hold it (e.g. that the courts "
            "record sentences, not the police)"
        )
    return problems


def s17_problems(parts: Iterable[Mapping[str, Any]], *, rights_given: bool = True) -> list[str]:
    """Everything that stops a response being issued under s17, as plain messages.

    ``parts`` are mappings with ``number``, ``decision``, ``not_held`` (what the part asks
    for that is not held) and ``exemptions`` (mappings with
    section, subsection, reason, harm, factors_for, factors_against, balance).
    """
    parts = list(parts)
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
        problems.extend(
            decision_problems(
                number, decision, exemptions, not_held=str(part.get("not_held") or "")
            )
        )
        for exemption in exemptions:
            problems.extend(f"part {number}: {p}" for p in exemption_problems(exemption))
    problems.extend(_s14_problems(parts))
    if not rights_given:
        problems.append("the response must give internal review and ICO (s50) rights")
    return problems


def _s14_problems(parts: list[Mapping[str, Any]]) -> list[str]:
    """s14 refuses a request, not a part of it: relied on for one part, it covers every part."""
    relying = [
        p["number"]
        for p in parts
        if any(lookup(e["section"]).section == "s14" for e in p.get("exemptions") or [])
    ]
    if not relying:
        return []
    others = [str(p["number"]) for p in parts if p["number"] not in relying]
    if not others:
        return []
    named = f"part {others[0]} does" if len(others) == 1 else f"parts {', '.join(others)} do"
    return [
        "s14 applies to a request as a whole, not to some of its parts: refuse every part "
        f"under it, or none ({named} not rely on it)"
    ]
