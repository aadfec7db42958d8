"""People named in free text: the names, ages and allegations a reviewer removes.

Requests and letters name people in a handful of shapes: a title or rank before a name
("Mrs Brown", "Councillor Alan Example", "DS Kevin Walsh"), a first name and surname
("Dave Jones", "Wei Zhang"), a first name alone with something only a person has
("Chloe (aged 9)", "my son Tyler"), and names no list holds ("Oluwaseun Adeyemi"). The
rules read runs of capitalised words with the shipped word lists (:mod:`vocabulary`):
known first names and surnames, everyday English words, and places, which are never
people. Each rule is a reason a reviewer can read beside the suggestion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from foidesk.documents.vocabulary import Vocabulary, vocabulary

# Titles and ranks that come before a person's name; a plural ("Inspectors") is a role.
TITLES = {
    "Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Sir", "Dame", "Lady", "Lord", "Councillor",
    "Cllr", "Professor", "Prof", "Rev", "Reverend", "PC", "WPC", "DC", "DS", "DI", "DCI",
    "PS", "Sgt", "Sergeant", "Inspector", "Superintendent", "Constable", "Detective",
    "Chief", "Commander", "Commissioner", "Insp", "Supt", "PCSO", "Officer",
}  # fmt: skip
# First names that are first of all everyday words: a name only beside a surname or title.
WORD_NAMES = {
    "Will", "Mark", "Grace", "Hope", "Faith", "Joy", "May", "June", "April", "August",
    "Bill", "Rose", "Ruby", "Amber", "Iris", "Lily", "Daisy", "Holly", "Ivy", "Sky",
    "Summer", "Autumn", "Dawn", "Eve", "Frank", "Sue", "Pat", "Rob", "Sandy", "Dean",
    "Chase", "Hunter", "Chance", "Miles", "Nick", "Norman", "Guy", "Earl", "Art", "Ray",
    "Rich", "Victor", "King", "Prince", "Major", "Easter", "Christmas", "Justice", "Page",
    "Crystal", "Pearl", "Ash", "Storm", "Star", "Penny", "Carol", "Sunday", "Angel", "Hazel",
    "Jade", "Precious", "Royal", "Sterling", "Wade", "Gene", "Don", "Lane", "Park",
}  # fmt: skip
# Makers whose name is also a person's, before a model: "a silver Ford Focus".
VEHICLE_MAKES = {"Ford", "Austin", "Morris", "Bentley", "Mercedes", "Jaguar", "Lincoln"}
# Words that end a place or an organisation, so the run before them is not a person.
PLACE_WORDS = {
    "Street", "Road", "Lane", "Lanes", "Avenue", "Drive", "Close", "Crescent", "Way",
    "Place", "Gardens", "Grove", "Terrace", "Court", "Square", "Row", "Walk", "Mews",
    "Parade", "Rise", "Station", "Airport", "Stadium", "Police", "Council", "Borough",
    "Service", "Services", "Office", "Hospital", "School", "College", "University", "FC",
    "Centre", "Center", "Unit", "Team", "Command", "Force", "Constabulary", "Act", "Order",
    "Orders", "Law", "Bridge", "Park", "Common", "Estate", "Prison", "Carnival",
    "Trust", "Authority", "Agency", "Commission", "Department", "Ministry", "Committee",
}  # fmt: skip
# A word before a place ("in Brent", "near Victoria"): what follows is not a person.
PLACE_PREPOSITIONS = {"in", "at", "near", "from", "across", "around", "outside", "inside"}
# Words after a lone first name that only a person does or has.
PERSON_AFTER = re.compile(
    r"^(?:\s*\((?:aged|age)\s+\d|,\s*(?:aged\s+\d|my\b|\d{1,3}\b|who\b|the\b)|'s\b|’s\b"
    r"|\s+(?:has|had|was|is|says|said|keeps|kept|went|told|called|reported|died|made|"
    r"threatened|assaulted|lives|attended|spoke|been|will|would))"
)
# Words before a lone first name that only a person has: "my son Tyler", "about Shane".
PERSON_BEFORE = re.compile(
    r"(?:\b(?:my|our|her|his|their)\s+(?:[\w-]+\s+){0,2}|\b(?:about|against|mentioning|"
    r"assaulted|told|let|warned|attacked|released|to|with|by|for|that|dear|when|why|did|"
    r"has|was|is|if)\s+)$",
    re.IGNORECASE,
)
LIFE_AFTER = re.compile(r"^(?:\s*\((?:aged|age)\s+\d|,\s*(?:aged\s+\d|my\b|\d{1,3}\b))")
WORD = re.compile(r"[A-Z][A-Za-z]*(?:['’][A-Za-z]+)?(?:-[A-Z][A-Za-z]*)*")
AGE_AFTER_NAME = re.compile(r"^(?:\s*\(|,\s*)(aged\s+\d{1,3}|\d{1,3})\b")
AGE = re.compile(r"\baged\s+\d{1,3}\b|\b\d{1,2}-year-old\b", re.IGNORECASE)
ALLEGATION = re.compile(
    r"\b(?:investigat\w*|arrest\w*|charged|cautioned|accus\w*|alleg\w*|suspect\w*|"
    r"convict\w*|stalk\w*|harass\w*|assault\w*|abus\w*|rape\w*|violen\w*|threat\w*|"
    r"offender|sex offenders|criminal record|breach\w*|complaints? (?:against|about))\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Mention:
    """One span of text that names or describes a person, and why it was found."""

    kind: str
    start: int
    end: int
    text: str
    reason: str


def _possessive(word: str) -> str:
    return re.sub(r"['’]s$", "", word)


def _runs(text: str) -> list[list[re.Match[str]]]:
    """Runs of capitalised words joined by single spaces, split at possessives."""
    runs: list[list[re.Match[str]]] = []
    for match in WORD.finditer(text):
        word = match.group()
        if len(word) > 1 and word.isupper() and word not in TITLES:
            continue  # "CRIS", "NI", "FOI": acronyms, not names
        previous = runs[-1][-1] if runs else None
        joined = (
            previous is not None
            and text[previous.end() : match.start()] == " "
            and not re.search(r"['’]s$", previous.group())
        )
        if joined:
            runs[-1].append(match)
        else:
            runs.append([match])
    return runs


def _masked(text: str, words: Vocabulary, extra: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans that are places (or already found as something else): never people."""
    spans = list(extra)
    for place in words.places:
        for match in re.finditer(rf"(?<!\w){re.escape(place)}(?!\w)", text):
            spans.append((match.start(), match.end()))
    return spans


def _inside(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s <= start and end <= e for s, e in spans)


def _sentence_start(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \"'‘“(")
    return not before or before[-1] in ".!?:;\n"


def find_people(text: str, not_people: list[tuple[int, int]] = ()) -> list[Mention]:
    """Names, ages beside them and allegations about named people, in order of position.

    ``not_people`` are spans already identified as something else (an address, say).
    """
    words = vocabulary()
    masked = _masked(text, words, list(not_people))
    found: list[Mention] = []
    for run in _runs(text):
        tokens = [m for m in run if not _inside(m.start(), m.end(), masked)]
        if len(tokens) != len(run):
            # Part of the run is a place: keep only what follows a title inside it.
            tokens = tokens if tokens and tokens[0].group() in TITLES else []
        titled = False
        # Drop a sentence's opening words ("Was", "Please") and keep note of a title.
        while tokens:
            word = tokens[0].group()
            if word in TITLES:
                titled = True
            elif not (
                words.is_common(word)
                and not words.is_name(_possessive(word))
                and (titled or _sentence_start(text, run[0].start()))
            ):
                break
            tokens = tokens[1:]
        if titled and tokens and tokens[0].group().rstrip("s") in TITLES:
            continue  # "Chief Inspectors", "Detective Sergeants": roles, not people
        if not tokens:
            continue
        after = text[tokens[-1].end() :]
        last_word = re.match(r"\s*([A-Za-z]+)", after)
        if tokens[-1].group() in PLACE_WORDS or (
            last_word and last_word.group(1).capitalize() in PLACE_WORDS and not titled
        ):
            continue
        tokens = tokens[:4]
        names = [_possessive(t.group()) for t in tokens]
        reason = _why_person(text, tokens, names, titled, words)
        if not reason:
            continue
        start, end = tokens[0].start(), tokens[-1].start() + len(names[-1])
        found.append(Mention("name", start, end, text[start:end], reason))
        age = AGE_AFTER_NAME.match(text[end:])
        if age:
            a_start = end + age.start(1)
            found.append(Mention("age", a_start, end + age.end(1), age.group(1), "age beside"))
    named = {(m.start, m.end) for m in found}
    for match in AGE.finditer(text):
        if not any(s <= match.start() < e for s, e in named):
            found.append(Mention("age", match.start(), match.end(), match.group(), "age"))
    found.extend(_allegations(text, [m for m in found if m.kind == "name"]))
    return sorted(found, key=lambda m: (m.start, m.end))


def _why_person(
    text: str, tokens: list[re.Match[str]], names: list[str], titled: bool, words: Vocabulary
) -> str:
    """Why this run of capitalised words is a person, or "" when it is not."""
    if titled:
        return "a name after a title or rank"
    known = [n for n in names if all(words.is_name(part) for part in n.split("-"))]
    everyday = [n for n in names if words.is_common(n) and not words.is_name(n)]
    if len(names) >= 2:
        first, last = names[0], names[-1]
        if first in VEHICLE_MAKES and last not in words.surnames:
            return ""  # "Ford Focus"
        if first in words.first_names and first not in WORD_NAMES:
            return "a first name and surname"
        if last in words.surnames and (first in words.first_names or not words.is_common(last)):
            return "a first name and surname"
        if not known and not everyday and not _sentence_start(text, tokens[0].start()):
            return "capitalised words no dictionary holds"
        return ""
    name = names[0]
    if name not in words.first_names and not words.is_common(name) and not words.is_name(name):
        # A word no list holds, with an age or a relation beside it: "Maisie, my 6-year-old".
        if LIFE_AFTER.match(text[tokens[0].end() :]):
            return "a name with an age or relation beside it"
        return ""
    if name in WORD_NAMES or name not in words.first_names:
        return ""
    before = text[: tokens[0].start()]
    preposition = re.search(r"(\w+)\s*$", before)
    if preposition and preposition.group(1).lower() in PLACE_PREPOSITIONS:
        return ""
    after = text[tokens[0].end() :]
    partner = re.match(r"\s+and\s+([A-Z][a-z]+)", after)
    if (
        PERSON_AFTER.match(after)
        or PERSON_BEFORE.search(before)
        or (partner and partner.group(1) in words.first_names)
    ):
        return "a first name where a person is spoken of"
    return ""


def _allegations(text: str, names: list[Mention]) -> list[Mention]:
    """The sentence around a named person when it alleges something about them."""
    found = []
    for sentence in re.finditer(r"[^.!?\n]+[.!?]?", text):
        inside = [n for n in names if sentence.start() <= n.start < sentence.end()]
        if inside and ALLEGATION.search(sentence.group()):
            start = sentence.start() + len(sentence.group()) - len(sentence.group().lstrip())
            found.append(
                Mention(
                    "allegation about a named person",
                    start,
                    sentence.end(),
                    text[start : sentence.end()].strip(),
                    f"says something about {inside[0].text}",
                )
            )
    return found
