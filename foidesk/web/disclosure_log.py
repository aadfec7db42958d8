"""The public disclosure log: publishing approved responses and reading them back.

Publishing copies what may be published (the register's ``public_view``, the letter and
the answer's files) into the log's own tables, so the public pages never read the
register. Only a request a reviewer has approved can be published.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import mimetypes
import re
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nh3
from sqlalchemy import select
from sqlalchemy.orm import Session, defer, selectinload

from foidesk.answers.package import AnswerPackage, PackageError
from foidesk.foi import letter_kinds, personal_data, workflow
from foidesk.foi.letters import write_pdf
from foidesk.foi.register import Actor, Register
from foidesk.progress import ProgressCallback
from foidesk.settings import Settings
from foidesk.stats.specs import parse_table

if TYPE_CHECKING:
    from foidesk.stats.linkage import EarlierPackage
from foidesk.web.models import Attachment, PublishedResponse

# Register statuses from which a request has been approved and may appear on the log.
PUBLISHABLE_STATUSES = frozenset(workflow.step("publish").from_statuses)
LETTER_FILES = ("response.html",)
_SAFE_FILENAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._ ()-]{0,200}")


class PublishError(ValueError):
    """A response that cannot be published; the message says why and names the file."""


@dataclass(frozen=True)
class PublishedFile:
    """A file to publish with its title, read and checked against its manifest entry."""

    filename: str
    title: str
    content: bytes
    sha256: str
    media_type: str

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(frozen=True)
class Publication:
    """Everything the log shows for one response; nothing about the requester."""

    reference: str
    title: str
    subject: str
    published_on: date
    request_text: str
    decision: str
    summary: str = ""
    exemptions: Sequence[Mapping[str, Any]] = ()
    letter_html: str = ""
    files: Sequence[PublishedFile] = field(default_factory=tuple)
    # From the answer's manifest: the tables' specifications and their [c] cells.
    tables: Sequence[Mapping[str, Any]] = ()
    withheld: Sequence[Mapping[str, Any]] = ()


def url_for_response(reference: str) -> str:
    """The public URL path of a published response."""
    return f"/log/{reference}"


def overall_decision(decisions: Sequence[str | None]) -> str:
    """The outcome in the words the log uses, from the decisions on each part."""
    made = [d for d in decisions if d]
    if not made:
        return "Response issued"
    kinds = set(made)
    if kinds == {"disclosed"}:
        return "Information disclosed"
    if kinds == {"not held"}:
        return "Information not held"
    if kinds == {"neither confirm nor deny"}:
        return "Neither confirmed nor denied"
    # s12 and s14 refuse a request; they withhold nothing (s14 is not an exemption).
    if "refused" in kinds and not kinds & {"disclosed", "partly disclosed"}:
        return "Request refused"
    if kinds <= {"withheld", "not held", "neither confirm nor deny"}:
        return "Information withheld"
    if kinds & {"disclosed", "partly disclosed"} and kinds - {"disclosed", "not held"}:
        return "Information partially disclosed"
    return "Information disclosed"


def clean_letter(letter: str) -> str:
    """The letter's body as safe HTML: scripts, styles and handlers removed, headings demoted.

    The letter quotes the request, which came from the public; sanitising here is a second
    line behind the letter renderer's escaping. Headings move down so the page keeps one h1.
    """
    body = re.search(r"<body[^>]*>(.*)</body>", letter, flags=re.S | re.I)
    cleaned = nh3.clean(body.group(1) if body else letter)
    levels = [int(n) for n in re.findall(r"<h([1-6])\b", cleaned)]
    if not levels:
        return cleaned
    shift = max(0, 3 - min(levels))

    def demote(match: re.Match[str]) -> str:
        return f"<{match[1]}h{min(6, int(match[2]) + shift)}"

    return re.sub(r"<(/?)h([1-6])\b", demote, cleaned)


def plain_text(fragment: str) -> str:
    """Text of an HTML fragment, for the search index."""
    # A space after every tag keeps words of adjacent blocks apart.
    return " ".join(html.unescape(nh3.clean(fragment.replace(">", "> "), tags=set())).split())


def _checked_file(path: Path, expected: str | None, where: str) -> tuple[bytes, str]:
    if not path.is_file():
        raise PublishError(f"{where}: {path} does not exist")
    content = path.read_bytes()
    digest = hashlib.sha256(content).hexdigest()
    if expected and str(expected).lower() != digest:
        raise PublishError(f"{where}: sha256 is {expected} but {path.name}'s is {digest}")
    return content, digest


def _published_file(
    path: Path, title: str, content: bytes, digest: str, where: str
) -> PublishedFile:
    if not _SAFE_FILENAME.fullmatch(path.name):
        raise PublishError(f"{where}: {path.name!r} is not a publishable file name")
    if not title.strip():
        raise PublishError(f"{where} ({path.name}): field 'title' is missing")
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return PublishedFile(path.name, title.strip(), content, digest, media_type)


def read_answer_dir(
    answer_dir: Path, documents: Sequence[Mapping[str, Any]] = ()
) -> tuple[str, list[PublishedFile]]:
    """The letter HTML and the files to publish from an answer directory.

    Tables whose disclosure audit failed (``disclosure_control.passed`` false) are refused.
    Files are those ``manifest.json`` lists (each must match its sha256; entries marked
    ``"public": false`` are skipped), then ``documents`` (``{title, file, sha256?}``, such
    as the response's attachments in the register: released policies), then
    ``response.pdf`` if present. ``response.html`` is the letter, shown as the page.
    """
    answer_dir = Path(answer_dir)
    try:
        package = AnswerPackage.read(answer_dir)
        package.check_publishable()
    except PackageError as exc:
        raise PublishError(str(exc)) from None
    letter = ""
    files: dict[str, PublishedFile] = {}
    for number, entry in enumerate(package.manifest.files, start=1):
        where = f"{package.manifest_path}, files[{number}]"
        path = answer_dir / entry.path
        content, digest = _checked_file(path, entry.sha256, f"{where}, field 'path'")
        if path.name in LETTER_FILES:
            letter = content.decode("utf-8")
        elif entry.public:
            files[path.name] = _published_file(path, entry.title, content, digest, where)
    for number, document in enumerate(documents, start=1):
        name = str(document.get("file") or "")
        if not name or Path(name).name in files or Path(name).name in LETTER_FILES:
            continue
        where = f"attachment {number} of the response ({document.get('title', '')})"
        path = answer_dir / Path(name).name
        content, digest = _checked_file(path, document.get("sha256"), where)
        files[path.name] = _published_file(
            path, str(document.get("title") or ""), content, digest, where
        )
    for path in (answer_dir / "response.html", answer_dir / "response.pdf"):
        if not path.is_file():
            continue
        if path.suffix == ".html" and not letter:
            letter = path.read_text(encoding="utf-8")
        elif path.suffix == ".pdf" and path.name not in files:
            content, digest = _checked_file(path, None, str(path))
            files[path.name] = _published_file(
                path, "Response letter (PDF)", content, digest, str(path)
            )
    return letter, list(files.values())


def publication_from_view(
    view: Mapping[str, Any],
    *,
    letter_html: str = "",
    files: Sequence[PublishedFile] = (),
    published_on: date | None = None,
) -> Publication:
    """A publication from the register's ``public_view`` of a request."""
    parts = list(view.get("parts") or [])
    exemptions: list[dict[str, Any]] = []
    seen: set[str] = set()
    for part in parts:
        for e in part.get("exemptions") or []:
            label = f"{e.get('section', '')}{e.get('subsection', '')}"
            if label in seen:
                continue
            seen.add(label)
            exemptions.append(
                {
                    "section": label,
                    "title": e.get("title", ""),
                    "parts": [p["number"] for p in parts if _cites(p, label)],
                    "reason": e.get("reason") or e.get("harm") or "",
                    "public_interest": e.get("balance", ""),
                }
            )
    summary = "\n".join(
        f"Part {p['number']}: {p['summary']}" for p in parts if (p.get("summary") or "").strip()
    )
    return Publication(
        reference=view["reference"],
        title=view.get("title") or view["reference"],
        subject=view.get("subject") or "General",
        published_on=published_on or view.get("responded_on") or date.today(),
        request_text=view.get("request_text") or "",
        decision=overall_decision([p.get("decision") for p in parts]),
        summary=summary,
        exemptions=exemptions,
        letter_html=letter_html,
        files=tuple(files),
    )


def _cites(part: Mapping[str, Any], label: str) -> bool:
    return any(
        f"{e.get('section', '')}{e.get('subsection', '')}" == label
        for e in part.get("exemptions") or []
    )


def check_file_names(publication: Publication) -> None:
    """Refuse a file whose name the log could not serve safely."""
    for f in publication.files:
        if not _SAFE_FILENAME.fullmatch(f.filename):
            raise PublishError(f"{publication.reference}: {f.filename!r} is not a publishable name")


def publish(session: Session, publication: Publication, *, published_by: str = "") -> str:
    """Write (or replace) a response on the log and return its public URL path."""
    check_file_names(publication)
    letter = clean_letter(publication.letter_html) if publication.letter_html else ""
    search_text = " ".join(
        [
            publication.decision,
            publication.summary,
            *(f"{e.get('section', '')} {e.get('title', '')}" for e in publication.exemptions),
            *(f.title for f in publication.files),
            plain_text(letter),
        ]
    )
    existing = session.scalars(
        select(PublishedResponse).where(PublishedResponse.reference == publication.reference)
    ).one_or_none()
    if existing is not None:
        session.delete(existing)
        session.flush()
    response = PublishedResponse(
        reference=publication.reference,
        title=publication.title,
        subject=publication.subject,
        published_on=publication.published_on,
        request_text=publication.request_text,
        decision=publication.decision,
        summary=publication.summary,
        exemptions=[dict(e) for e in publication.exemptions],
        letter_html=letter,
        search_text=search_text,
        published_by=published_by,
        created_at=datetime.now(UTC).replace(tzinfo=None),
        tables=[dict(t) for t in publication.tables],
        withheld=[dict(w) for w in publication.withheld],
        attachments=[
            Attachment(
                position=n,
                filename=f.filename,
                title=f.title,
                media_type=f.media_type,
                size=f.size,
                sha256=f.sha256,
                content=f.content,
            )
            for n, f in enumerate(publication.files)
        ],
    )
    session.add(response)
    session.commit()
    return url_for_response(publication.reference)


def publish_answer(
    db: str | Path | Register,
    reference: str,
    answer_dir: Path | None,
    *,
    published_by: str = "disclosure officer",
    published_on: date | None = None,
    settings: Settings | None = None,
    progress: ProgressCallback | None = None,
) -> str:
    """Publish an approved request's response, with an answer directory's files, to the log.

    The request needs a personal-data review that covers what the log would show
    (:mod:`foidesk.foi.personal_data`); the log carries the reviewed text. A request that
    is approved but not yet responded to is responded to first (today, or
    ``published_on``), with the answer's files as the response's attachments. Returns the
    public URL path of the response.

    ``db`` is the register to act in, or its database (opened for this call and closed
    after); the log is written in the same database. ``progress`` is told each stage
    (``foidesk.progress``).
    """
    register = db if isinstance(db, Register) else Register(db, settings=settings)
    report = progress or (lambda stage, done, total: None)
    try:
        report("Checking the request and its personal-data review", 0, 3)
        status, letter, files, decisions = _prepared(register, reference, answer_dir)
        report("Recording the response and making what the log shows", 1, 3)
        # One transaction: a response is recorded as sent only once what the log will show
        # is made and checked (its letter's elements, the personal-data review's proof,
        # the files' names), so a refusal leaves the request as it was.
        with register.transaction():
            if status == "approved":
                register.respond(
                    reference,
                    published_on or register.today(),
                    [{"title": f.title, "file": f.filename, "sha256": f.sha256} for f in files],
                    Actor(published_by, "officer"),
                )
            if not letter:
                letter = _checked_response(register, reference, answer_dir)
            publication = publication_from_view(
                register.public_view(reference),
                letter_html=letter,
                files=files,
                published_on=published_on,
            )
            if answer_dir is not None and AnswerPackage.exists(answer_dir):
                tables, withheld = published_tables(AnswerPackage.read(answer_dir))
                publication = replace(publication, tables=tables, withheld=withheld)
            publication = reviewed(publication, decisions)
            check_file_names(publication)
        report("Writing the log entry", 2, 3)
        with Session(register.engine, expire_on_commit=False) as session:
            url = publish(session, publication, published_by=published_by)
        report("Published", 3, 3)
        return url
    finally:
        if register is not db:
            register.close()


def _checked_response(register: Register, reference: str, answer_dir: Path | None) -> str:
    """The response letter as it is sent, checked as every letter is (``letter_kinds``)."""
    # Recorded by the caller, in the same transaction, if it was not before.
    responded_on = register.get(reference).responded_on or register.today()
    missing = register.letter_problems(reference, "response", responded_on)
    if missing:
        raise PublishError(letter_kinds.refusal(reference, "response", missing))
    options = {"answer_dir": answer_dir}
    try:
        return letter_kinds.checked_html(register, reference, "response", responded_on, options)
    except letter_kinds.TemplateMissesElement as exc:
        raise PublishError(f"{reference}: {exc}") from exc


def check_publishable(register: Register, reference: str, answer_dir: Path | None) -> None:
    """Refuse with ``PublishError`` what ``publish_answer`` would refuse; nothing changes.

    Quick: the web app asks before it starts publishing in the background, so the officer
    sees a refusal on the request's page at once.
    """
    _prepared(register, reference, answer_dir)


def _prepared(
    register: Register, reference: str, answer_dir: Path | None
) -> tuple[str, str, list[PublishedFile], list[personal_data.Decision]]:
    """The request's status, the answer's letter and files, and the reviewed decisions."""
    status = register.status(reference)
    if status not in PUBLISHABLE_STATUSES:
        raise PublishError(
            f"{reference} is '{status}': only a request a reviewer has approved is published"
        )
    documents = register.public_view(reference, require_response=False)["attachments"]
    letter, files = read_answer_dir(answer_dir, documents) if answer_dir else ("", [])
    try:
        decisions = personal_data.reviewed_decisions(
            reference,
            register.public_view(reference, require_response=False),
            letter or personal_data.public_letter(register, reference, answer_dir),
            register.personal_data_review(reference),
            register.settings,
        )
    except personal_data.ReviewError as exc:
        raise PublishError(str(exc)) from exc
    return status, letter, list(files), list(decisions)


def published_tables(package: AnswerPackage) -> tuple[list[dict], list[dict]]:
    """What the log keeps of an answer's tables: their specifications and [c] cells."""
    manifest = package.manifest
    tables = [
        {
            "id": t.id,
            "title": t.title,
            "counting_unit": t.counting_unit,
            "specification_sha256": t.specification_sha256,
            "specification": t.specification,
        }
        for t in manifest.tables
        if t.specification is not None
    ]
    control = manifest.disclosure_control
    withheld = [c.model_dump() for c in control.pattern] if control else []
    return tables, withheld


def published_disclosures(session: Session) -> list[EarlierPackage]:
    """The responses on the log with their tables, as earlier disclosures for an answer.

    Each table's specification is read back and checked against its fingerprint, so a
    table whose meaning changed is an error rather than a silent mismatch.
    """
    # Imported on use: the statistics engine loads Ibis, which slows the app's start.
    from foidesk.stats.linkage import EarlierPackage

    found = []
    rows = session.execute(
        select(
            PublishedResponse.reference, PublishedResponse.tables, PublishedResponse.withheld
        ).order_by(PublishedResponse.reference)
    ).all()
    for reference, tables, withheld in rows:
        if not tables:
            continue
        specs = []
        for index, entry in enumerate(tables):
            source = f"disclosure log, {reference}"
            spec = parse_table(entry["specification"], source, index)
            if entry.get("specification_sha256") not in (None, spec.fingerprint()):
                raise ValueError(f"{source}, table {spec.id}: specification fingerprint differs")
            specs.append(spec)
        cells = frozenset(
            (str(c["table"]), (tuple(c["row"]), tuple(c["column"]))) for c in withheld or []
        )
        found.append(EarlierPackage(reference, tuple(specs), cells))
    return found


def reviewed(publication: Publication, decisions: Sequence[personal_data.Decision]) -> Publication:
    """The publication with the personal-data review applied, and proved applied.

    Every text the log shows is rewritten; the letter's PDF is made again from the
    reviewed letter (the requester's own copy keeps their words); every other file is
    read back and refused if a removed phrase is still in it.
    """
    if not any(d.remove for d in decisions):
        return publication
    apply = personal_data.apply
    letter = personal_data.apply_to_html(publication.letter_html, decisions)
    files = []
    for f in publication.files:
        if f.filename == "response.pdf":
            f = _letter_pdf(letter, f.title)
        files.append(f)
    result = replace(
        publication,
        title=apply(publication.title, decisions),
        request_text=apply(publication.request_text, decisions),
        summary=apply(publication.summary, decisions),
        exemptions=tuple(
            {k: apply(v, decisions) if isinstance(v, str) else v for k, v in e.items()}
            for e in publication.exemptions
        ),
        letter_html=letter,
        files=tuple(files),
    )
    shown = {
        "title": result.title,
        "request": result.request_text,
        "summary": result.summary,
        "exemptions": json.dumps(list(result.exemptions)),
        "letter": personal_data.letter_text(letter) if letter else "",
        **{f.filename: _file_text(f) for f in result.files},
    }
    for where, text in shown.items():
        left = personal_data.leftovers(text, decisions)
        if left:
            raise PublishError(
                f"{publication.reference}: {where} still holds {', '.join(map(repr, left))} "
                "after the personal-data review: it must not be published"
            )
    return result


def _letter_pdf(letter_html: str, title: str) -> PublishedFile:
    """The public copy of the letter as PDF, made from the reviewed letter."""
    with tempfile.TemporaryDirectory() as folder:
        path = write_pdf(letter_html, Path(folder) / "response.pdf")
        content = path.read_bytes()
    return PublishedFile(
        "response.pdf", title, content, hashlib.sha256(content).hexdigest(), "application/pdf"
    )


def _file_text(f: PublishedFile) -> str:
    """The text a reader of a published file would find in it, for the review's proof."""
    if f.filename.endswith(".pdf"):
        import pymupdf

        with pymupdf.open(stream=f.content, filetype="pdf") as document:
            text = "\n".join(page.get_text() for page in document)
            return text + "\n" + json.dumps(document.metadata)
    if zipfile.is_zipfile(io.BytesIO(f.content)):
        with zipfile.ZipFile(io.BytesIO(f.content)) as archive:
            return "\n".join(
                plain_text(archive.read(name).decode("utf-8", "replace"))
                for name in archive.namelist()
                if name.endswith((".xml", ".rels", ".txt"))
            )
    return f.content.decode("utf-8", "replace")


def published(session: Session, reference: str) -> PublishedResponse | None:
    """A published response with its attachment list, or None if it is not on the log."""
    return session.scalars(
        select(PublishedResponse)
        .where(PublishedResponse.reference == reference)
        .options(selectinload(PublishedResponse.attachments).options(defer(Attachment.content)))
    ).one_or_none()


def published_file(session: Session, reference: str, filename: str) -> Attachment | None:
    """One attachment of a published response, or None."""
    return session.scalars(
        select(Attachment)
        .join(PublishedResponse)
        .where(PublishedResponse.reference == reference, Attachment.filename == filename)
    ).one_or_none()


def withdraw(session: Session, reference: str) -> bool:
    """Take a response off the log (e.g. published in error); True if it was there."""
    found = published(session, reference)
    if found is None:
        return False
    session.delete(found)
    session.commit()
    return True
