"""The personal-data review of everything the disclosure log shows about a request.

A disclosure log is read by anyone, including victims of abuse and the people they fear.
Before a response is published, a reviewer decides, for each name, identifier and
allegation the suggester finds in what the log would show (the title, the request, its
parts, the decisions and their reasons, the advice, and the public copy of the letter),
whether it is kept or removed, and may remove more. Publishing needs a review that covers
every suggestion in the text as it stands then; the log, its search index and the public
copy of the letter carry the reviewed text, while the register and the requester's own
letter keep the requester's words.

A response that neither confirms nor denies may never keep a person's name or an
allegation about them: naming the person would itself confirm or deny.

A review file (``examples/reviews/``) records the reviewer's decisions, so that a
disclosure can be reviewed without a screen and re-run to the same result.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from lxml import html as lxml_html
from pydantic import BaseModel, ConfigDict, Field

from foidesk.documents.rules import phrase_pattern
from foidesk.documents.suggestions import Suggestion, suggest_text
from foidesk.foi.letter_kinds import letter_text
from foidesk.foi.letters import render_letter
from foidesk.foi.register import ActorLike, Register
from foidesk.input_files import InputError, parse_yaml, validate
from foidesk.settings import Settings, load_settings

REMOVED = "[personal data removed]"
# Kinds an NCND response may never keep: they say who the request is about.
NCND_NEVER_KEPT = {"name", "allegation about a named person"}
NCND = "neither confirm nor deny"


class ReviewError(ValueError):
    """A review that is missing, incomplete, stale or cannot be read."""


@dataclass(frozen=True)
class Decision:
    """What the reviewer decided for one text: removed (with its replacement) or kept."""

    text: str
    remove: bool
    replacement: str = REMOVED
    kind: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "decision": "remove" if self.remove else "keep",
            "replacement": self.replacement,
            "kind": self.kind,
        }


def public_texts(view: Mapping[str, Any], letter_html: str = "") -> dict[str, str]:
    """Every text the log shows for a request, by where it appears.

    ``view`` is the register's ``public_view``; ``letter_html`` the letter's public copy.
    """
    texts = {"title": view.get("title") or "", "request": view.get("request_text") or ""}
    for part in view.get("parts") or []:
        number = part["number"]
        texts[f"part {number}"] = part.get("text") or ""
        texts[f"part {number} summary"] = part.get("summary") or ""
        texts[f"part {number} not held"] = part.get("not_held") or ""
        for e in part.get("exemptions") or []:
            label = f"part {number} {e.get('section', '')}{e.get('subsection', '')}"
            texts[f"{label} reason"] = e.get("reason") or ""
            texts[f"{label} harm"] = e.get("harm") or ""
            texts[f"{label} balance"] = e.get("balance") or ""
            texts[f"{label} factors"] = "\n".join(
                [*(e.get("factors_for") or []), *(e.get("factors_against") or [])]
            )
    texts["advice"] = view.get("advice") or ""
    if letter_html:
        texts["letter"] = letter_text(letter_html)
    return {where: text for where, text in texts.items() if text.strip()}


def fingerprint(texts: Mapping[str, str]) -> str:
    """SHA-256 of the register's texts the reviewer read (the letter is checked apart)."""
    reviewed = {where: text for where, text in texts.items() if where != "letter"}
    return hashlib.sha256(json.dumps(reviewed, sort_keys=True).encode()).hexdigest()


def public_particulars(settings: Settings) -> tuple[str, ...]:
    """What every letter prints and the authority publishes anyway: its team, contact
    details and signatory, and the ICO's address (from the settings file)."""
    authority = settings.authority
    contact, ico = authority.contact, authority.ico
    signatory = [authority.signatory.name, authority.signatory.role] if authority.signatory else []
    return tuple(
        text
        for text in (
            authority.name, authority.team, *contact.postal_address, contact.email,
            contact.phone, contact.web, *signatory, ico.name, *ico.postal_address, ico.phone,
            ico.web,
        )
        if text
    )  # fmt: skip


def suggestions(texts: Mapping[str, str], settings: Settings | None = None) -> list[Suggestion]:
    """What a reviewer is asked to decide: each kind and text once, where first found.

    The authority's published particulars (:func:`public_particulars`) are not personal
    data and are not asked about.
    """
    public = "\n".join(public_particulars(settings or load_settings()))
    seen: set[tuple[str, str]] = set()
    found = []
    for where, text in texts.items():
        for suggestion in suggest_text(text, where):
            key = (suggestion.kind, suggestion.text.casefold())
            if phrase_pattern(suggestion.text).search(public):
                continue
            if key not in seen:
                seen.add(key)
                found.append(suggestion)
    return found


def _decided(text: str, decisions: Sequence[Decision]) -> Decision | None:
    """The decision covering ``text``: one for the same text, or a removal containing it."""
    for decision in decisions:
        if decision.text.casefold() == text.casefold():
            return decision
    for decision in decisions:
        if decision.remove and phrase_pattern(text).search(decision.text):
            return decision
    return None


def problems(
    texts: Mapping[str, str],
    decisions: Sequence[Decision],
    *,
    ncnd: bool = False,
    settings: Settings | None = None,
) -> list[str]:
    """Why ``decisions`` do not yet complete a review of ``texts`` (empty when they do)."""
    found = []
    for suggestion in suggestions(texts, settings):
        decision = _decided(suggestion.text, decisions)
        if decision is None:
            found.append(
                f"{suggestion.where}: {suggestion.kind} {suggestion.text!r} has no decision"
            )
        elif ncnd and not decision.remove and suggestion.kind in NCND_NEVER_KEPT:
            found.append(
                f"{suggestion.where}: {suggestion.kind} {suggestion.text!r} is kept, but a "
                "response that neither confirms nor denies may not say who it is about"
            )
    return found


def _removals(decisions: Sequence[Decision]) -> list[Decision]:
    # Longest first, so an allegation's sentence goes before the name inside it.
    return sorted((d for d in decisions if d.remove), key=lambda d: len(d.text), reverse=True)


def apply(text: str, decisions: Sequence[Decision]) -> str:
    """``text`` with every removed phrase replaced (whole words, any case or spacing)."""
    for decision in _removals(decisions):
        text = phrase_pattern(decision.text).sub(decision.replacement, text)
    return text


def apply_to_html(document: str, decisions: Sequence[Decision]) -> str:
    """An HTML document with every removed phrase replaced in its text and attributes."""
    if not _removals(decisions):
        return document
    root = lxml_html.document_fromstring(document)
    for element in root.iter():
        if isinstance(element.tag, str):
            if element.text:
                element.text = apply(element.text, decisions)
            for name, value in element.attrib.items():
                element.set(name, apply(value, decisions))
        if element.tail:
            element.tail = apply(element.tail, decisions)
    doctype = "<!DOCTYPE html>\n" if document.lstrip().lower().startswith("<!doctype") else ""
    return doctype + lxml_html.tostring(root, encoding="unicode")


def leftovers(text: str, decisions: Sequence[Decision]) -> list[str]:
    """Removed phrases still found in ``text``: the proof that the review was applied."""
    return [d.text for d in _removals(decisions) if phrase_pattern(d.text).search(text)]


# -- review files -----------------------------------------------------------------------


class _DecisionEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)
    decision: Literal["remove", "keep"]
    replacement: str = REMOVED
    kind: str = ""


class ReviewFile(BaseModel):
    """A recorded personal-data review: the request and the reviewer's decisions."""

    model_config = ConfigDict(extra="forbid")

    reference: str
    decisions: list[_DecisionEntry] = []

    def as_decisions(self) -> list[Decision]:
        return [
            Decision(d.text, d.decision == "remove", d.replacement, d.kind) for d in self.decisions
        ]


def read_review_file(path: Path) -> ReviewFile:
    """A review file, checked: unknown keys and bad decisions name the file and field."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        return validate(ReviewFile, parse_yaml(text, str(path)), str(path), text)
    except OSError as exc:
        raise ReviewError(f"{path}: cannot read the review file ({exc})") from exc
    except InputError as exc:
        raise ReviewError(str(exc)) from None


def review_template(reference: str, found: Sequence[Suggestion]) -> str:
    """A review file listing every suggestion with its decision left for the reviewer."""
    lines = [
        f"# Personal-data review of what the disclosure log would show for {reference}.",
        "# Set each decision to remove or keep; add entries for anything else to remove.",
        f"reference: {reference}",
        "decisions:" if found else "decisions: []",
    ]
    for s in found:
        lines += [
            f"  - text: {json.dumps(s.text)}",
            f"    kind: {json.dumps(s.kind)}",
            f"    # {s.where}: ...{s.context}...",
            "    decision: ",
        ]
    return "\n".join(lines) + "\n"


def is_ncnd(view: Mapping[str, Any]) -> bool:
    """Whether any part of the response neither confirms nor denies."""
    return any(p.get("decision") == NCND for p in view.get("parts") or [])


def decisions_from(stored: Sequence[Mapping[str, Any]]) -> list[Decision]:
    """Decisions as the register stores them (``Decision.as_dict``)."""
    return [
        Decision(d["text"], d["decision"] == "remove", d.get("replacement") or REMOVED,
                 d.get("kind") or "")
        for d in stored
    ]  # fmt: skip


# -- the review as a step of the request ------------------------------------------------


def public_letter(register: Register, reference: str, answer_dir: Path | None) -> str:
    """The letter as the log would show it: the answer's ``response.html``, or rendered."""
    path = Path(answer_dir) / "response.html" if answer_dir else None
    if path is not None and path.is_file():
        return path.read_text(encoding="utf-8")
    return render_letter(register, reference, answer_dir)


def review_texts(
    register: Register, reference: str, answer_dir: Path | None
) -> tuple[dict[str, Any], dict[str, str]]:
    """The register's public view of a request and every text the log would show."""
    view = register.public_view(reference, require_response=False)
    return view, public_texts(view, public_letter(register, reference, answer_dir))


def record_review(
    register: Register,
    reference: str,
    answer_dir: Path | None,
    decisions: Sequence[Decision],
    actor: ActorLike,
) -> None:
    """Keep a review that decides every suggestion; refuse one that does not, saying why."""
    view, texts = review_texts(register, reference, answer_dir)
    found = problems(texts, decisions, ncnd=is_ncnd(view))
    if found:
        raise ReviewError(
            f"{reference}: the personal-data review is not complete: " + "; ".join(found)
        )
    register.record_personal_data_review(
        reference, fingerprint(texts), [d.as_dict() for d in decisions], actor
    )


def review_from_file(
    register: Register, path: Path, answer_dir: Path | None, actor: ActorLike
) -> ReviewFile:
    """Record the review a file holds (as ``make demo`` does, without a screen)."""
    review = read_review_file(path)
    record_review(register, review.reference, answer_dir, review.as_decisions(), actor)
    return review


def reviewed_decisions(
    reference: str,
    view: Mapping[str, Any],
    letter_html: str,
    stored: Mapping[str, Any] | None,
    settings: Settings | None = None,
) -> list[Decision]:
    """The stored review's decisions, if it covers the texts as they stand now.

    Publishing calls this before the log is written: a request with no review, or whose
    texts changed since (a new title, a part's text, a reason), or whose letter now holds
    something the reviewer was not asked about, is refused.
    """
    if stored is None:
        raise ReviewError(
            f"{reference} has had no personal-data review: review what the log would show "
            f"before publishing (foidesk request personal-data {reference}, or the request's "
            "page in the workspace)"
        )
    texts = public_texts(view, letter_html)
    if fingerprint(texts) != stored["fingerprint"]:
        raise ReviewError(
            f"{reference} changed after its personal-data review by {stored['reviewed_by']}: "
            "review it again before publishing"
        )
    decisions = decisions_from(stored["decisions"])
    found = problems(texts, decisions, ncnd=is_ncnd(view), settings=settings)
    if found:
        raise ReviewError(
            f"{reference}: the personal-data review does not cover the text now: "
            + "; ".join(found)
        )
    return decisions
