"""Redaction rules: what to remove (phrase, regular expression, pages, paragraphs, area).

Every rule carries the exemption label printed in its box (``s31(1)(a)``) and the reason
recorded in the reviewer's log. Phrases match whole words regardless of case and of how
an extractor spaces or breaks the text, so the same pattern serves to find the phrase
before redaction and to prove it absent afterwards.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

RuleKind = Literal["phrase", "regex", "pages", "paragraphs", "area"]


class RuleError(ValueError):
    """A rule that cannot be understood as written."""


@dataclass(frozen=True)
class Rule:
    """One redaction instruction and the exemption it applies."""

    kind: RuleKind
    value: str
    label: str
    reason: str = ""

    def __post_init__(self) -> None:
        if not self.reason:
            object.__setattr__(self, "reason", default_reason(self.label))
        if not self.label.strip():
            raise RuleError(f"{self.kind} rule {self.value!r}: the exemption label is empty")
        if self.kind == "phrase" and not self.value.strip():
            raise RuleError("phrase rule: the phrase is empty")
        if self.kind == "regex":
            try:
                re.compile(self.value)
            except re.error as error:
                raise RuleError(f"regex rule {self.value!r}: {error}") from error
        if self.kind in ("pages", "paragraphs"):
            self.numbers()
        if self.kind == "area":
            self.area()

    def describe(self) -> str:
        """How the log names the rule that matched, e.g. ``phrase: Operation Nightjar``."""
        return f"{self.kind}: {self.value}"

    def pattern(self) -> re.Pattern[str]:
        """The pattern that finds this rule's text (phrase and regex rules only)."""
        if self.kind == "phrase":
            return phrase_pattern(self.value)
        if self.kind == "regex":
            return re.compile(self.value, re.IGNORECASE | re.MULTILINE)
        raise RuleError(f"{self.kind} rules have no text pattern")

    def numbers(self) -> list[int]:
        """The 1-based page or paragraph numbers of a range rule ('2-4,7' -> [2, 3, 4, 7])."""
        return parse_ranges(self.value, what=self.kind)

    def area(self) -> tuple[int, tuple[float, float, float, float]]:
        """An area rule's page (1-based) and rectangle in points from the top-left corner."""
        match = re.fullmatch(r"\s*(\d+)\s*:\s*([^,]+),([^,]+),([^,]+),([^,]+)\s*", self.value)
        if not match:
            raise RuleError(f"area {self.value!r} is not of the form PAGE:x0,y0,x1,y1")
        try:
            x0, y0, x1, y1 = (float(match.group(i)) for i in range(2, 6))
        except ValueError as error:
            raise RuleError(f"area {self.value!r}: coordinates must be numbers") from error
        page = int(match.group(1))
        if page < 1 or x1 <= x0 or y1 <= y0:
            raise RuleError(f"area {self.value!r}: need page >= 1, x1 > x0 and y1 > y0")
        return page, (x0, y0, x1, y1)


def parse_ranges(text: str, *, what: str = "pages") -> list[int]:
    """'2-4,7' -> [2, 3, 4, 7]; numbers are 1-based and ranges inclusive."""
    numbers: set[int] = set()
    for piece in text.split(","):
        piece = piece.strip()
        match = re.fullmatch(r"(\d+)(?:\s*-\s*(\d+))?", piece)
        if not match:
            raise RuleError(f"{what} {text!r}: {piece!r} is not a number or range like 2-4")
        first = int(match.group(1))
        last = int(match.group(2) or first)
        if first < 1 or last < first:
            raise RuleError(f"{what} {text!r}: {piece!r} is not an increasing 1-based range")
        numbers.update(range(first, last + 1))
    return sorted(numbers)


def normalise_text(text: str) -> str:
    """Collapse every run of whitespace to one space and fold case."""
    return re.sub(r"\s+", " ", text).strip().casefold()


def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """Whole-word, case-blind pattern for ``phrase`` that tolerates any spacing.

    Extractors differ on spaces: a phrase split across lines or text runs may come back
    with a line break, an extra space inside a word, or no space between words. Allowing
    optional whitespace (or a line-end hyphen) between every character catches them all.
    """
    characters = [re.escape(c) for c in re.sub(r"\s+", "", phrase)]
    if not characters:
        raise RuleError("phrase rule: the phrase is empty")
    # A word hyphenated at a line end ("Night-" / "jar") is still the word.
    body = r"(?:\s|[-\u2010\u2011]\s|\u00ad)*".join(characters)
    start = r"(?<!\w)" if re.match(r"\w", phrase.strip()) else ""
    end = r"(?!\w)" if re.search(r"\w$", phrase.strip()) else ""
    return re.compile(start + body + end, re.IGNORECASE)


def pair_rules(
    phrases: list[str],
    regexes: list[str],
    pages: list[str],
    paragraphs: list[str],
    areas: list[str],
    labels: list[str],
    reasons: list[str] | None = None,
) -> list[Rule]:
    """Rules from command-line lists, labels paired in order or one label for all.

    The order is phrases, then regexes, pages, paragraphs and areas, each in the order given.
    """
    values: list[tuple[RuleKind, str]] = [
        *(("phrase", v) for v in phrases),
        *(("regex", v) for v in regexes),
        *(("pages", v) for v in pages),
        *(("paragraphs", v) for v in paragraphs),
        *(("area", v) for v in areas),
    ]
    if not values:
        raise RuleError(
            "no redaction rules: give --phrase, --regex, --pages, --paragraphs or --area"
        )
    reasons = reasons or []
    if len(labels) == 1:
        labels = labels * len(values)
    if len(labels) != len(values):
        raise RuleError(
            f"{len(labels)} labels for {len(values)} rules: give one label for all, "
            "or one per rule in the order phrases, regexes, pages, paragraphs, areas"
        )
    if len(reasons) == 1:
        reasons = reasons * len(values)
    if reasons and len(reasons) != len(values):
        raise RuleError(f"{len(reasons)} reasons for {len(values)} rules: give one or one each")
    return [
        Rule(kind, value, label, reasons[i] if reasons else "")
        for i, ((kind, value), label) in enumerate(zip(values, labels, strict=True))
    ]


def default_reason(label: str) -> str:
    """The exemption's title from the catalogue when the label names a section of the Act."""
    from foidesk.foi.exemptions import lookup

    match = re.match(r"\s*(?:section\s*|s\.?\s*)?(\d+)", label, re.IGNORECASE)
    if not match:
        return ""
    try:
        return lookup(match.group(1)).title
    except KeyError:
        return ""
