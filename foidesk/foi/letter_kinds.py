"""Every kind of letter the desk writes, defined once: its template, what the Act requires
of it, the facts it reads, and how it is issued.

A ``LetterKind`` names its template, the elements the Act (or the s45 Code of Practice)
requires of it, and the function that reads its facts from the register. ``KINDS`` holds
them all, keyed by the name the command line and the workspace use: the letters before and
after the response, and the response itself, whose elements depend on its decisions (the
refusal notice, the NCND statement, the s12 estimate and s16 advice, the s14 notice, why a
part is not held). ``missing_elements``
says what a request lacks for a kind, and the register refuses to record a letter while
anything is missing (``Register.record_letter``); ``render`` turns the facts into HTML
from the kind's template and the authority's settings; ``issue`` writes that HTML and a
tagged PDF/UA-1 laid out from the same HTML, then records the letter as a workflow step.

Every letter carries the same particulars, from the settings: the date of receipt, where
to ask for an internal review (s17(7)), the right to complain to the Information
Commissioner (s50) with the ICO's address, and the named person and role who sign it.
Every template extends ``letter.html.j2``, the one owner of the letterhead, the review and
ICO paragraphs' addresses and the signature. Each template marks every element it shows
with ``data-element``; a letter whose HTML lacks the mark of an element its kind requires is
not written, so an edit to a template cannot drop an element silently.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from lxml import html as lxml_html

from foidesk.documents.accessibility import write_pdf_ua
from foidesk.foi import workflow
from foidesk.foi.clock import add_working_days
from foidesk.foi.exemptions import NCND, lookup
from foidesk.foi.models import Request

# The register (foi.register) imports this module to check letters, so it is not imported
# here, even for type hints: a register and an actor are whatever foi.register passes.
Register = Any
Actor = Any

TEMPLATES = Path(__file__).with_name("templates")
# One stylesheet for every letter: screen, print and the PDF's page rules.
STYLESHEET = TEMPLATES / "response.css"
ELEMENT_MARK = re.compile(r'data-element="([a-z0-9_]+)"')

Facts = dict[str, Any]
# Working days a response gives the requester to ask for an internal review, unless its
# request file says otherwise.
REVIEW_WINDOW = 40
# The response letter's files in an answer directory (``foi.letters.write_response``).
RESPONSE_FILES = ("response.html", "response.pdf")


# -- the templates' environment ----------------------------------------------------------------


def paragraphs(text: str) -> list[str]:
    """Text split into paragraphs at line breaks, each with its spaces collapsed."""
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n|\n", text or "") if p.strip()]


def section_name(exemption: Any) -> str:
    """'s31' with '(1)(a) and (b)' -> 'Section 31(1)(a) and (b)'."""
    number = exemption.section.removeprefix("s")
    subsection = exemption.subsection or ""
    joiner = "" if subsection.startswith("(") or not subsection else " "
    return f"Section {number}{joiner}{subsection}"


def longdate(day: date) -> str:
    """3 January 2025: the date as a letter writes it."""
    return f"{day.day} {day:%B %Y}"


def money(amount: Decimal | float) -> str:
    """£1,234.50"""
    return f"£{Decimal(str(amount)):,.2f}"


def environment() -> Environment:
    """The Jinja2 environment every letter's template is rendered in."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["paragraphs"] = paragraphs
    env.filters["longdate"] = longdate
    env.filters["money"] = money
    env.filters["section_name"] = section_name
    env.filters["description"] = lambda e: lookup(e.section).description
    return env


# -- the registry ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Element:
    """Something a letter must state: present when its fact is (or ``present`` says so).

    ``hint`` tells the officer how to supply it when it is missing (worked out from the
    facts when it is a function). ``applies`` limits the element to the letters it says: a
    response states why a part is not held only when a part is not held.
    """

    key: str
    label: str
    hint: str | Callable[[Facts], str] = ""
    present: Callable[[Facts], bool] | None = None
    applies: Callable[[Facts], bool] | None = None

    def found(self, facts: Facts) -> bool:
        return self.present(facts) if self.present else bool(facts.get(self.key))

    def required_by(self, facts: Facts) -> bool:
        return self.applies(facts) if self.applies else True

    def missing(self, facts: Facts) -> str:
        """The element as the register names it when it is missing, with the hint."""
        hint = self.hint(facts) if callable(self.hint) else self.hint
        return f"{self.label} ({hint})" if hint else self.label


@dataclass(frozen=True)
class LetterKind:
    """One kind of letter: where its words are, what it must state, what it reads.

    ``facts(register, request, issued_on, options)`` reads the kind's facts (the common
    particulars are added to them); ``on_issue`` is a step the register takes when the
    letter is issued (the acknowledgement records the acknowledgement), and
    ``issue_step(request)`` names the workflow step it takes for that request, if any, so
    that a letter whose step cannot happen is refused before anything is written.
    """

    name: str
    title: str
    template: str
    elements: tuple[Element, ...]
    facts: Callable[[Register, Request, date, Mapping[str, Any]], Facts]
    subject: str
    on_issue: Callable[[Register, str, date, Actor | str], Any] | None = None
    issue_step: Callable[[Request], str | None] | None = None
    law: str = ""

    @property
    def required(self) -> tuple[Element, ...]:
        """The particulars every letter states, then the kind's own elements."""
        return (*PARTICULARS, *self.elements)

    def required_in(self, facts: Facts) -> tuple[Element, ...]:
        """The elements this letter, with these facts, must state."""
        return tuple(e for e in self.required if e.required_by(facts))


PARTICULARS: tuple[Element, ...] = (
    Element("received", "the date of receipt"),
    Element(
        "review_address",
        "the address for internal reviews (s17(7))",
        "give authority.internal_review or authority.contact a postal or email address in "
        "the settings",
    ),
    Element(
        "ico",
        "the Information Commissioner's address (s50)",
        "give authority.ico a postal address in the settings",
    ),
    Element(
        "signatory",
        "a named signatory and role",
        "give authority.signatory a name and role in the settings",
    ),
)

KINDS: dict[str, LetterKind] = {}


def define(kind: LetterKind) -> LetterKind:
    """Add a kind of letter to the registry (once: a name is defined in one place)."""
    if kind.name in KINDS:
        raise ValueError(f"letter kind {kind.name!r} is already defined")
    if not (TEMPLATES / kind.template).is_file():
        raise ValueError(f"letter kind {kind.name!r}: no template {kind.template}")
    KINDS[kind.name] = kind
    return kind


def kind(name: str) -> LetterKind:
    """The kind called ``name``; an unknown name is an error listing the known."""
    if name not in KINDS:
        raise KeyError(f"no letter kind {name!r}: kinds are {', '.join(KINDS)}")
    return KINDS[name]


def review_address(authority: Any) -> Any:
    """Where internal reviews are asked for (s17(7)), if the settings give an address."""
    review = authority.review_contact
    return review if (review.postal_address or review.email) else None


def particulars(register: Register, request: Request, issued_on: date) -> Facts:
    """What every letter states, from the request and the authority's settings."""
    authority = register.settings.authority
    ico = authority.ico
    return {
        "reference": request.reference,
        "received": request.received,
        "issued_on": issued_on,
        "request_text": request.text,
        "authority": authority,
        "contact": authority.contact,
        "review_address": review_address(authority),
        "ico": ico if ico.postal_address else None,
        "signatory": authority.signatory,
    }


def facts_for(
    register: Register,
    request: Request,
    name: str,
    issued_on: date | None = None,
    options: Mapping[str, Any] | None = None,
) -> Facts:
    """The particulars and the kind's own facts, as its template reads them."""
    chosen = kind(name)
    day = issued_on or register.today()
    return {
        **particulars(register, request, day),
        **chosen.facts(register, request, day, options or {}),
        "kind": chosen,
    }


def missing_elements(
    register: Register,
    request: Request,
    name: str,
    issued_on: date | None = None,
    options: Mapping[str, Any] | None = None,
) -> list[str]:
    """Each element the kind requires that the request lacks, with how to supply it."""
    facts = facts_for(register, request, name, issued_on, options)
    return [e.missing(facts) for e in kind(name).required_in(facts) if not e.found(facts)]


def step_refusal(request: Request, name: str, who: str, roles: Iterable[str]) -> str | None:
    """Why the step that issuing this kind takes on ``request`` cannot happen now, in the
    register's words for a letter it will not issue; None if it takes none or it can."""
    chosen = kind(name)
    step = chosen.issue_step(request) if chosen.issue_step is not None else None
    why = workflow.refusal(request, step, who, roles) if step else None
    if why is None:
        return None
    return f"{request.reference}: the {chosen.title.lower()} cannot be issued: {why}"


def refusal(reference: str, name: str, missing: list[str]) -> str:
    """The register's words for a letter it will not issue."""
    return f"{reference}: the {kind(name).title.lower()} cannot be issued: it lacks " + "; ".join(
        missing
    )


def render(
    register: Register,
    reference: str,
    name: str,
    issued_on: date | None = None,
    options: Mapping[str, Any] | None = None,
) -> str:
    """The letter as one self-contained HTML document (a preview if elements are missing)."""
    request = register.get(reference)
    return _html(facts_for(register, request, name, issued_on, options))


def _html(facts: Facts) -> str:
    template = environment().get_template(facts["kind"].template)
    return template.render(**facts, css=STYLESHEET.read_text(encoding="utf-8"))


def unmarked_elements(html: str, name: str, facts: Facts) -> list[str]:
    """Elements the letter with these facts requires whose ``data-element`` mark its HTML
    lacks."""
    shown = set(ELEMENT_MARK.findall(html))
    return [e.key for e in kind(name).required_in(facts) if e.key not in shown]


class TemplateMissesElement(RuntimeError):
    """A kind's template does not show an element the kind requires (a template's fault)."""


def checked_html(
    register: Register,
    reference: str,
    name: str,
    issued_on: date,
    options: Mapping[str, Any] | None = None,
) -> str:
    """The letter's HTML as it is issued: refused if its template drops a required element.

    The register has refused already what the request lacks (``Register.check_letter``).
    """
    facts = facts_for(register, register.get(reference), name, issued_on, options)
    html = _html(facts)
    unmarked = unmarked_elements(html, name, facts)
    if unmarked:
        raise TemplateMissesElement(
            f"template {kind(name).template} does not show {', '.join(unmarked)}: "
            "the letter would lack what its kind requires"
        )
    return html


TEXT_BLOCKS = (
    "p", "div", "blockquote", "address", "li", "dt", "dd", "caption", "tr", "th", "td",
    "h1", "h2", "h3", "h4", "h5", "h6",
)  # fmt: skip


def letter_text(letter_html: str) -> str:
    """The text a reader sees in a letter (title included), one line per block or line
    break: an email's body, and what the personal-data review reads."""
    root = lxml_html.document_fromstring(letter_html)
    for hidden in root.xpath("//script|//style"):
        hidden.drop_tree()
    for br in root.iter("br"):
        # A line break ends a line of an address or signature.
        br.tail = "\n" + (br.tail or "")
    # A block or a table cell ends its line too, though the HTML runs them together: a
    # table's header cells, a paragraph and the heading after it.
    for block in root.iter(*TEXT_BLOCKS):
        block.tail = "\n" + (block.tail or "")
    return "\n".join(line.strip() for line in root.text_content().splitlines() if line.strip())


@dataclass(frozen=True)
class IssuedLetter:
    """A letter written and recorded: its files and its text (an email's body)."""

    reference: str
    kind: str
    issued_on: date
    html: Path
    pdf: Path
    subject: str
    text: str = field(repr=False)


def _claim_html(out_dir: Path, stem: str, html: str) -> Path:
    """Write ``html`` as ``stem.html``, or ``stem-2.html``... under a name no letter has.

    The name is claimed by creating the file (``open(..., "x")`` fails if it exists), not
    by looking first: two letters issued at the same moment never take the same name.
    A name whose PDF exists is taken too: its HTML may have been removed by hand.
    """
    found, number = stem, 1
    while True:
        path = out_dir / f"{found}.html"
        if not path.with_suffix(".pdf").exists():
            try:
                with path.open("x", encoding="utf-8") as claimed:
                    claimed.write(html)
                return path
            except FileExistsError:
                pass
        number += 1
        found = f"{stem}-{number}"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def issue(
    register: Register,
    reference: str,
    name: str,
    out_dir: Path,
    actor: Actor | str,
    *,
    on: date | None = None,
    options: Mapping[str, Any] | None = None,
) -> IssuedLetter:
    """Write the letter (HTML and tagged PDF) to ``out_dir`` and record it as issued.

    Refused, with nothing written, when the workflow does not allow the step, when the
    request lacks an element the kind requires, or when the template does not show one.
    """
    chosen = kind(name)
    day = on or register.today()
    request = register.get(reference)
    register.check_letter(reference, name, day, actor)
    html = checked_html(register, reference, name, day, options)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path = _claim_html(out_dir, f"{name}-{day.isoformat()}", html)
    pdf_path = html_path.with_suffix(".pdf")
    # The PDF takes seconds: it is laid out under a name of its own and moved into place
    # whole, so the claimed name never holds half a PDF.
    written = [html_path]
    try:
        handle, temporary = tempfile.mkstemp(
            prefix=f".{html_path.stem}.", suffix=".pdf", dir=out_dir
        )
        os.close(handle)
        written.append(Path(temporary))
        write_pdf_ua(html, Path(temporary))
        os.replace(temporary, pdf_path)
        written[-1] = pdf_path
        files = [{"file": p.name, "sha256": _sha256(p)} for p in (html_path, pdf_path)]
        with register.transaction():
            if chosen.on_issue is not None:
                chosen.on_issue(register, reference, day, actor)
            register.record_letter(reference, name, day, files, actor)
    except BaseException:
        # Not recorded, so not issued: leave no file that looks as if it were, and remove
        # only the files this letter wrote (another letter's are not ours to remove).
        for path in written:
            path.unlink(missing_ok=True)
        raise
    subject = chosen.subject.format(reference=reference, title=request.title or reference)
    return IssuedLetter(reference, name, day, html_path, pdf_path, subject, letter_text(html))


# -- the kinds ---------------------------------------------------------------------------------


def _acknowledgement(register: Register, request: Request, _day: date, _options: Any) -> Facts:
    deadline = register.deadline_for(request)
    return {"due": deadline.due, "stopped_since": deadline.stopped_since}


def _acknowledgement_step(request: Request) -> str | None:
    return "acknowledge" if request.acknowledged_on is None else None


def _acknowledge(register: Register, reference: str, day: date, who: Actor | str) -> None:
    if _acknowledgement_step(register.get(reference)):
        register.acknowledge(reference, day, who)


def _clarification(register: Register, request: Request, _day: date, _options: Any) -> Facts:
    found = workflow.open_clarification(request)
    if found is None:
        return {"question": "", "sought_on": None, "closes_on": None}
    return {
        "question": found.question,
        "sought_on": found.sought_on,
        "closes_on": register.timing().closing_due(found),
    }


def _fees(register: Register, request: Request, _day: date, _options: Any) -> Facts:
    found = workflow.unpaid_fee(request)
    if found is None:
        return {"amount": None, "notice_on": None, "lapses_on": None}
    return {
        "amount": Decimal(str(found.amount)),
        "notice_on": found.issued_on,
        "lapses_on": workflow.fee_lapses_on(found),
    }


def _extension(register: Register, request: Request, _day: date, _options: Any) -> Facts:
    if not request.extensions:
        return {"exemption": None, "why": "", "new_due": None}
    latest = request.extensions[-1]
    entry = lookup(latest.exemption)
    statutory = register.deadline_for(request).statutory_due
    return {
        "exemption": entry,
        "exemption_cited": latest.exemption,
        "why": latest.reason,
        "new_due": latest.new_due,
        "statutory_due": statutory,
    }


def _review_outcome(register: Register, request: Request, _day: date, _options: Any) -> Facts:
    decided = [r for r in request.reviews if r.decided_on is not None]
    if not decided:
        return {"result": "", "changes": "", "outcome": "", "review": None}
    review = decided[-1]
    return {
        "result": review.result,
        "changes": review.changes,
        "outcome": review.outcome,
        "review": review,
    }


def _transfer(register: Register, request: Request, _day: date, _options: Any) -> Facts:
    return {"transferred_to": request.transferred_to, "transferred_on": request.transferred_on}


def manifest_attachments(package: Any) -> list[dict[str, Any]]:
    """An answer package's public files other than the response letter, as attachments."""
    return [
        {"title": f.title, "file": f.path, "sha256": f.sha256}
        for f in package.public_files()
        if f.path not in RESPONSE_FILES
    ]


def response_attachments(
    register: Register, reference: str, answer_dir: Path | None
) -> list[dict[str, Any]]:
    """The response's attachments: the register's, then the answer manifest's not yet listed
    (never the response letter itself)."""
    # Imported here: the answer package brings the disclosure-control solver, which the
    # register (importing this module) needs for no other letter.
    from foidesk.answers.package import AnswerPackage, sha256_file

    listed = [dict(a) for a in register.get(reference).attachments]
    names = {a["file"] for a in listed}
    for entry in manifest_attachments(AnswerPackage.read_or_new(answer_dir)):
        if entry["file"] not in names:
            listed.append(entry)
            names.add(entry["file"])
    if answer_dir is not None:
        # Files made after the response was logged (e.g. a redacted policy) get their hash.
        for entry in listed:
            found = Path(answer_dir) / entry["file"]
            if found.is_file():
                entry["sha256"] = sha256_file(found)
    return listed


def _response(register: Register, request: Request, _day: date, options: Any) -> Facts:
    """The response's facts: its decisions, refusal notices, estimates and attachments.

    ``options``: ``answer_dir`` (the answer whose tables and files it lists) and
    ``review_window`` (working days to ask for a review, ``REVIEW_WINDOW`` unless given).
    """
    from foidesk.answers.package import AnswerPackage  # see response_attachments

    answer_dir = options.get("answer_dir")
    review_window = int(options.get("review_window") or REVIEW_WINDOW)
    package = AnswerPackage.read_or_new(answer_dir)
    reference = request.reference
    refusals = [e for p in request.parts for e in p.exemptions]
    # A s12 refusal gives the estimate for the part it refuses, from the worksheet: the
    # figures, the appropriate limit and the advice on narrowing (s16).
    estimates = {
        p.number: register.cost_estimate(reference, p.number)
        for p in request.parts
        if any(e.section == "s12" for e in p.exemptions)
    }
    s16 = request.advice or ""
    if estimates:
        s16 = next(iter(estimates.values())).s16_advice(request.advice)
    by_decision: dict[str, list[int]] = {}
    for p in request.parts:
        by_decision.setdefault(p.decision or "", []).append(p.number)
    s14 = next((e for e in refusals if e.section == "s14"), None)
    review_by = None
    if request.responded_on:
        review_by, _ = add_working_days(request.responded_on, review_window)
    return {
        "request": request,
        "responded_on": request.responded_on,
        # What the register's s17 rules find wrong with the decisions (none once approved).
        "s17_problems": register.s17_problems(reference),
        "clarifications": list(request.clarifications),
        "refusals": refusals,
        # s14 refuses the whole request: its notice is given once, not once per part.
        "notices": [
            (p.number, e)
            for p in request.parts
            for e in p.exemptions
            if e.section != "s14" or e is s14
        ],
        # One line per section relied on, though several parts may rely on it.
        "refused_sections": list(dict.fromkeys(f"{section_name(e)} – {e.title}" for e in refusals)),
        "any_disclosed": any(
            p.decision in ("disclosed", "partly disclosed") for p in request.parts
        ),
        "not_held_parts": [p for p in request.parts if p.decision == "not held" or p.not_held],
        "parts_by_decision": by_decision,
        "every_part_ncnd": set(by_decision) == {NCND},
        "s14": s14,
        "estimates": estimates,
        "table_titles": package.described_tables(),
        "s16_advice": s16,
        # Regulation 5: the s12 refusal names the requests its estimate aggregates.
        "regulation_5": next(
            (e.regulation_5() for e in estimates.values() if e.aggregated_with), ""
        ),
        "attachments": response_attachments(register, reference, answer_dir),
        "tables": package.table_titles,
        "review_window": review_window,
        "review_by": review_by,
    }


define(
    LetterKind(
        name="acknowledgement",
        title="Acknowledgement",
        template="acknowledgement.html.j2",
        elements=(
            Element(
                "due",
                "the date the response is due",
                "the clock is stopped: answer the open clarification or fee first",
            ),
        ),
        facts=_acknowledgement,
        subject="Your request {reference}: acknowledgement",
        on_issue=_acknowledge,
        issue_step=_acknowledgement_step,
        law="s10(1) (20 working days); s45 Code of Practice (acknowledge promptly)",
    )
)
define(
    LetterKind(
        name="clarification",
        title="Clarification request",
        template="clarification.html.j2",
        elements=(
            Element(
                "question",
                "the question the requester is asked",
                "no clarification is open: record it with the clarify step first",
            ),
        ),
        facts=_clarification,
        subject="Your request {reference}: clarification needed",
        law="s1(3) (no duty until clarified); s16 (advice and assistance)",
    )
)
define(
    LetterKind(
        name="fees-notice",
        title="Fees notice",
        template="fees_notice.html.j2",
        elements=(
            Element(
                "amount",
                "the fee asked for",
                "no fees notice is awaiting payment: record it with the fee-notice step first",
            ),
            Element("lapses_on", "the date the request lapses (three months, s9(2))"),
        ),
        facts=_fees,
        subject="Your request {reference}: fees notice",
        law="s9 (fees notice; three months to pay); s10(2) (the clock stops)",
    )
)
define(
    LetterKind(
        name="extension",
        title="Public interest extension notice",
        template="extension.html.j2",
        elements=(
            Element(
                "exemption",
                "the exemption being considered",
                "no extension is recorded: record it with the extend step first",
            ),
            Element(
                "why",
                "why more time is needed",
                "record the reason with the extension (--why)",
            ),
            Element("new_due", "the new estimated date of the response"),
        ),
        facts=_extension,
        subject="Your request {reference}: more time to consider the public interest",
        law="s10(3) and s17(2) (the exemption, and an estimate of the date)",
    )
)
define(
    LetterKind(
        name="review-outcome",
        title="Internal review outcome",
        template="review_outcome.html.j2",
        elements=(
            Element(
                "result",
                "the review's result (upheld, partly upheld or overturned)",
                "no internal review is decided with a result: record it with review-decided "
                "--result",
            ),
            Element("outcome", "the reasons for the review's decision"),
            Element(
                "changes",
                "what the review changes in the response",
                "a review not upheld must say what changes (--changes)",
                present=lambda f: f.get("result") == "upheld" or bool(f.get("changes")),
            ),
        ),
        facts=_review_outcome,
        subject="Your request {reference}: internal review",
        law="s45 Code of Practice (internal reviews); s50 (complaint to the Commissioner)",
    )
)
define(
    LetterKind(
        name="transfer",
        title="Transfer notice",
        template="transfer.html.j2",
        elements=(
            Element(
                "transferred_to",
                "the authority the request was transferred to",
                "the request is not transferred: record it with the transfer step first",
            ),
            Element("transferred_on", "the date it was transferred"),
        ),
        facts=_transfer,
        subject="Your request {reference}: transferred",
        law="s45 Code of Practice (transferring requests); s16 (advice and assistance)",
    )
)
define(
    LetterKind(
        name="response",
        title="Response",
        template="response.html.j2",
        elements=(
            Element(
                "responded_on",
                "the date of the response",
                "approve the response, then record it with the respond step",
            ),
            Element(
                "decision",
                "a decision on every part that section 17 allows",
                lambda f: "; ".join(f["s17_problems"]),
                present=lambda f: not f["s17_problems"],
            ),
            Element(
                "refusal_notice",
                "the refusal notice naming each section relied on (s17(1), (5))",
                applies=lambda f: bool(f["refusals"]),
                present=lambda f: bool(f["notices"]),
            ),
            Element(
                "estimate",
                "the s12 estimate for each part refused on cost",
                "record the cost estimate's lines for the part it refuses (the cost step)",
                applies=lambda f: bool(f["estimates"]),
                present=lambda f: all(e.items for e in f["estimates"].values()),
            ),
            Element(
                "advice",
                "advice and assistance on bringing the request within the limit (s16)",
                applies=lambda f: bool(f["estimates"]),
                present=lambda f: bool(f["s16_advice"]),
            ),
            Element(
                "ncnd_statement",
                "the statement that the response neither confirms nor denies",
                applies=lambda f: NCND in f["parts_by_decision"],
                present=lambda f: True,
            ),
            Element(
                "s14_notice",
                "the notice s17(5) requires, or the earlier one s17(6) relies on",
                applies=lambda f: f["s14"] is not None,
                present=lambda f: True,
            ),
            Element(
                "not_held",
                "why each part not held is not held",
                "record why the force does not hold it with the decision (--not-held)",
                applies=lambda f: bool(f["not_held_parts"]),
                present=lambda f: all(p.not_held for p in f["not_held_parts"]),
            ),
            Element(
                "disclosure",
                "what is disclosed, and where it is published",
                applies=lambda f: f["any_disclosed"],
                present=lambda f: True,
            ),
        ),
        facts=_response,
        subject="Your request {reference}: our response",
        law="s1(1) and s17 (the decision and refusal notice); s12 with s16; s14 with s17(5) and "
        "(6); s17(7) (review and s50 rights)",
    )
)
