"""Repeated requests and round robins: the same request again, or the same request many times.

An officer needs to see, when a request is logged, whether the same person has asked for
the same information before (a repeated request, which s14(2) lets the authority refuse
unless a reasonable interval has passed) and whether the same text is arriving from many
requesters or was sent to many authorities (a round robin, answered consistently and
often published early). foidesk flags; the officer decides. Nothing here is published:
comparing requesters is one of the two places (with regulation 5) where the Act looks at
who asked. ``aggregation_candidates`` suggests the requests regulation 5 could aggregate
with one: the same requester's, or a like request from anyone (people acting together),
received within 60 consecutive working days and not yet answered.

Two requests are compared by their content words: greetings and sign-offs dropped, case,
punctuation and common words ignored, words reduced to a crude stem ("assaulted",
"assaults" -> "assault"). Identical means the same words in the same order; similar means
a high overlap of content words and the same numbers (another year or another section is
other information, however close the words). The thresholds were set on the labelled set
in ``tests/foi/data/repeats_labelled.yaml``; docs/register.md gives the measured precision
and recall.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from foidesk.foi import workflow
from foidesk.foi.models import Request
from foidesk.foi.register import AGGREGATION_WORKING_DAYS, Register, aggregation_span

# Content-word overlap (Jaccard) from which two requests with the same numbers are similar.
SIMILAR = 0.3
# Requesters, this one included, asking the same thing before it is called a round robin.
ROUND_ROBIN_REQUESTERS = 3
GREETING = re.compile(
    r"^\s*(?:dear\b[^\n,.]*|hello\b|hi\b(?: there)?|good (?:morning|afternoon|evening)|"
    r"to whom it may concern)[,.!:]?",
    re.IGNORECASE,
)
SIGN_OFF = re.compile(
    r"(?:kind regards|best regards|regards|yours (?:faithfully|sincerely)|many thanks|"
    r"thanks|thank you|cheers|sent from my \w+)\b.*$",
    re.IGNORECASE | re.DOTALL,
)
# A request that says it is going to many authorities is a round robin whoever sent it.
MANY_AUTHORITIES = re.compile(
    r"\b(?:sending|sent|send|request(?:ing)?|writing)\b[^.?!]{0,40}\b(?:to|of)\s+"
    r"(?:all|every|each)\s+(?:\d+\s+)?(?:other\s+)?(?:uk\s+)?(?:police\s+)?"
    r"(?:forces|force|constabularies|authorities|councils)\b"
    r"|\b(?:a|this) (?:request|letter) (?:to|for) (?:all|every)\b",
    re.IGNORECASE,
)
STOP_WORDS = frozenset({
    "a", "about", "all", "am", "an", "and", "any", "are", "as", "at", "be", "been", "by",
    "can", "could", "current", "currently", "did", "do", "does", "for", "from", "give",
    "had", "has", "have", "how", "i", "in", "is", "it", "its", "me", "my", "of", "on", "or",
    "our", "please", "provide", "s", "send", "state", "tell", "that", "the", "their",
    "them", "there", "these", "this", "those", "to", "us", "was", "we", "were", "what",
    "when", "which", "who", "why", "will", "with", "would", "you", "your", "yours", "per",
    "each", "every", "number", "numbers", "many", "much", "total", "list", "copy", "force",
    "forces", "police", "they", "being", "into", "out", "than", "then", "so", "such",
    "only", "just", "more", "most", "other", "some", "own"
})  # fmt: skip
# Words a request uses to say how it wants the answer, not what it is about: a word that
# only one of two requests has, and not one of these, is another topic ("horses" for
# "drones"), so the requests ask for other information however close their words.
ASKING_WORDS = frozenset({
    "record", "recorded", "report", "reported", "receive", "received", "break", "broken",
    "down", "breakdown", "during", "since", "year", "years", "month", "months", "annual",
    "present", "at", "now", "figure", "figures", "data", "information", "statistics",
    "detail", "details", "people", "person", "against", "own", "owned", "get", "could",
    "can", "like", "know", "want", "need", "let", "me", "also", "currently", "held", "hold"
})  # fmt: skip
SUFFIXES = ("ations", "ation", "ities", "ility", "ings", "ing", "ies", "ied", "ed", "es", "s")


@dataclass(frozen=True)
class Repeat:
    """An earlier request that this one repeats, and how."""

    reference: str
    received: date
    kind: str  # "identical" or "similar"
    same_requester: bool
    overlap: float


@dataclass(frozen=True)
class Earlier:
    """What the comparison needs of a request already in the register."""

    reference: str
    received: date
    text: str
    contact: str


def body(text: str) -> str:
    """The request without its greeting and sign-off."""
    text = GREETING.sub("", text.strip(), count=1)
    return SIGN_OFF.sub("", text).strip()


def _stem(word: str) -> str:
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def words(text: str) -> list[str]:
    """The request's words, in order, lower case, without punctuation."""
    return re.findall(r"[a-z0-9]+(?:/[a-z0-9]+)?", body(text).lower().replace("-", " "))


def content(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """(content-word stems, numbers) of a request."""
    found = words(text)
    numbers = frozenset(w for w in found if any(c.isdigit() for c in w))
    stems = frozenset(_stem(w) for w in found if w not in STOP_WORDS and w not in numbers)
    return stems, numbers


def _matched(stem: str, others: frozenset[str]) -> bool:
    """Whether ``stem`` is in ``others``, or shares a stem of five letters or more with one
    of them ("disabl" and "disab", "assault" and "assaults")."""
    return stem in others or any(
        min(len(stem), len(o)) >= 5 and (stem.startswith(o) or o.startswith(stem)) for o in others
    )


def compare(a: str, b: str) -> tuple[str | None, float]:
    """("identical" | "similar" | None, content-word overlap) for two request texts.

    Similar needs the same numbers, no topic word on both sides that the other lacks
    (each asking about something the other does not), and enough words in common.
    """
    if words(a) == words(b):
        return "identical", 1.0
    (stems_a, numbers_a), (stems_b, numbers_b) = content(a), content(b)
    shared = {s for s in stems_a if _matched(s, stems_b)}
    union = len(stems_a) + len(stems_b) - len(shared)
    overlap = round(len(shared) / union, 3) if union else 0.0
    only_a = {s for s in stems_a - shared if s not in ASKING_WORDS}
    only_b = {s for s in stems_b if not _matched(s, stems_a) and s not in ASKING_WORDS}
    if numbers_a == numbers_b and not (only_a and only_b) and overlap >= SIMILAR:
        return "similar", overlap
    return None, overlap


def same_requester(a: str, b: str) -> bool:
    """Whether two contacts are the same person's (an email address in any case)."""
    return bool(a.strip()) and a.strip().casefold() == b.strip().casefold()


def repeats_of(text: str, contact: str, earlier: Iterable[Earlier]) -> list[Repeat]:
    """Earlier requests that ``text`` repeats, most alike first."""
    found = []
    for other in earlier:
        kind, overlap = compare(other.text, text)
        if kind:
            found.append(
                Repeat(
                    other.reference,
                    other.received,
                    kind,
                    same_requester(other.contact, contact),
                    overlap,
                )
            )
    return sorted(found, key=lambda r: (-r.overlap, r.received))


def is_round_robin(
    text: str, contact: str, repeats: Iterable[Repeat], contacts: dict[str, str]
) -> bool:
    """Whether ``text`` says it goes to many authorities, or many requesters asked it."""
    if MANY_AUTHORITIES.search(text):
        return True
    requesters = {contact.strip().casefold()} | {
        contacts[r.reference].strip().casefold() for r in repeats if not r.same_requester
    }
    return len(requesters) >= ROUND_ROBIN_REQUESTERS


def flags(repeats: Iterable[Repeat], round_robin: bool) -> list[str]:
    """What an officer is shown, in words."""
    lines = []
    for r in repeats:
        if r.same_requester:
            lines.append(
                f"{r.kind} to {r.reference} (received {r.received:%d %B %Y}) from the same "
                "requester: a repeated request (s14(2) if no reasonable interval has passed)"
            )
        else:
            lines.append(
                f"{r.kind} to {r.reference} (received {r.received:%d %B %Y}) from another "
                "requester: answer it consistently"
            )
    if round_robin:
        lines.insert(0, "a round robin: the same request from many requesters or authorities")
    return lines


@dataclass(frozen=True)
class Finding:
    """What the register shows an officer about one request's repeats."""

    reference: str
    repeats: tuple[Repeat, ...]
    round_robin: bool

    @property
    def flags(self) -> list[str]:
        return flags(self.repeats, self.round_robin)


def find(register: Register, reference: str) -> Finding:
    """The earlier requests in the register that ``reference`` repeats, and whether it is
    a round robin (requests received on or before it are compared)."""
    this = register.get(reference)
    earlier = [
        Earlier(r.reference, r.received, r.text, r.requester_contact)
        for r in register.list_requests()
        if r.reference != reference and r.received <= this.received
    ]
    found = repeats_of(this.text, this.requester_contact, earlier)
    contacts = {e.reference: e.contact for e in earlier}
    return Finding(
        reference,
        tuple(found),
        is_round_robin(this.text, this.requester_contact, found, contacts),
    )


def requests_from_requester(register: Register, reference: str) -> list[Request]:
    """The requester's other requests, newest first: for officers replying, never public.

    Decisions stay applicant-blind; this is for correspondence, s14 and regulation 5.
    """
    contact = register.get(reference).requester_contact
    return [
        r
        for r in register.list_requests()
        if r.reference != reference and same_requester(r.requester_contact, contact)
    ]


@dataclass(frozen=True)
class Candidate:
    """A request regulation 5 might aggregate with another, and why it is suggested."""

    reference: str
    received: date
    same_requester: bool
    kind: str | None  # "identical", "similar" or None (the same requester, other words)
    overlap: float

    @property
    def why(self) -> str:
        # Contacts that differ (one person may write from two addresses) or are missing do
        # not show that someone else asked.
        who = "the same requester" if self.same_requester else "not known to be the same requester"
        words = f"{self.kind} words" if self.kind else "other words"
        return f"{who}, {words} (overlap {self.overlap:.2f}), received {self.received}"


def aggregation_candidates(register: Register, reference: str) -> list[Candidate]:
    """Unanswered requests received within 60 consecutive working days of ``reference``
    from its requester, or alike in words from anyone: most alike first. The officer
    judges whether they ask for the same or similar information."""
    this = register.get(reference)
    linked = {a.other_reference for a in this.aggregations}
    # 60 working days are fewer than 100 calendar days: only those rows are read.
    window = timedelta(days=100)
    with Session(register.engine) as session:
        rows = session.execute(
            select(Request.reference, Request.received, Request.text, Request.requester_contact)
            .where(
                Request.received.between(this.received - window, this.received + window),
                Request.status.in_(workflow.OPEN),
                Request.reference != reference,
            )
            .order_by(Request.received, Request.reference)
        ).all()
    found = []
    for other, received, text, contact in rows:
        if other in linked:
            continue
        if aggregation_span((this.received, received)) > AGGREGATION_WORKING_DAYS:
            continue
        kind, overlap = compare(text, this.text)
        same = same_requester(contact, this.requester_contact)
        if same or kind:
            found.append(Candidate(other, received, same, kind, overlap))
    return sorted(found, key=lambda c: (-(c.kind is not None), -c.overlap, c.received))
