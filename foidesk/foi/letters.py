"""The response letter: rendered from the register to accessible HTML, and to PDF.

The response is a kind of letter (``foi.letter_kinds``, ``response``): its template, its
elements and its facts are defined there with every other letter's. This module writes it
into an answer directory from a request file (``write_response``), beside the tables and
documents it lists, and adds it to the answer's manifest so the disclosure log publishes it.
It is applicant-blind: nothing about the requester appears in it.
"""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path
from typing import Any

from foidesk.answers.package import AnswerPackage, FileEntry, sha256_file
from foidesk.documents.accessibility import write_pdf_ua
from foidesk.foi import letter_kinds
from foidesk.foi.letter_kinds import RESPONSE_FILES, REVIEW_WINDOW, manifest_attachments
from foidesk.foi.register import Actor, Register, TransitionError
from foidesk.foi.request_file import AlreadyInRegister, import_request_file, load_request_file

LETTER_FILES = dict(zip(("html", "pdf"), RESPONSE_FILES, strict=True))
LETTER_TITLES = {"html": "Response letter (HTML)", "pdf": "Response letter (PDF)"}


def render_letter(
    register: Register,
    reference: str,
    answer_dir: Path | None = None,
    *,
    review_window: int = REVIEW_WINDOW,
) -> str:
    """The response letter for ``reference`` as a self-contained HTML document (a draft is
    marked as one): the ``response`` letter kind, listing ``answer_dir``'s tables and files.
    """
    options = {"answer_dir": answer_dir, "review_window": review_window}
    return letter_kinds.render(register, reference, "response", options=options)


def write_pdf(html: str, path: Path) -> Path:
    """The letter as tagged PDF/UA-1 (WeasyPrint), with the same stylesheet's print rules."""
    return write_pdf_ua(html, path)


def _document_attachments(data: dict[str, Any], out_dir: Path, path: Path) -> list[dict]:
    files = []
    for number, doc in enumerate(data.get("documents") or [], start=1):
        if not isinstance(doc, dict) or not doc.get("title") or not doc.get("file"):
            raise ValueError(f"{path}: field 'documents[{number}]' needs a title and a file")
        found = out_dir / doc["file"]
        if not found.is_file():
            # The letter says every document it lists is attached: it must be.
            raise ValueError(
                f"{path}: field 'documents[{number}]': {doc['file']} is not in {out_dir}, so "
                "the letter would say it is attached when it is not; write it first"
            )
        files.append({"title": doc["title"], "file": doc["file"], "sha256": sha256_file(found)})
    return files


def _update_manifest(out_dir: Path, letters: dict[str, Path], documents: list[dict]) -> None:
    """List the letter, and documents found beside it, in the answer's manifest.

    The disclosure log publishes what the manifest lists, so the letter and the documents
    it names as attachments go there too.
    """
    package = AnswerPackage.read_or_new(out_dir)
    kept = [f for f in package.manifest.files if f.path not in RESPONSE_FILES]
    listed = {f.path for f in kept}
    found = [(out_dir / d["file"], d["title"]) for d in documents if d["file"] not in listed]
    found += [(letter, LETTER_TITLES[kind]) for kind, letter in letters.items()]
    kept += [FileEntry.of(file, title) for file, title in found if file.is_file()]
    package.manifest.files = kept
    package.write()


def write_response(
    request_file: Path,
    register_db: str | Path,
    out_dir: Path,
    *,
    store: str | Path | None = None,
    answer_dir: Path | None = None,
    importer: Actor | None = None,
) -> dict[str, Path]:
    """Import the request file (if new), render ``response.html`` and ``response.pdf``.

    Attachments are the request file's ``documents`` (found in ``out_dir`` for their
    SHA-256) and the files of ``answer_dir/manifest.json`` (``answer_dir`` defaults to
    ``out_dir``). The letter, and those documents when present, are added to the manifest
    in ``out_dir``. ``importer`` is who imports a new file (``import_request_file``).
    Returns the paths written.
    """
    request_file = Path(request_file)
    out_dir = Path(out_dir)
    answer_dir = Path(answer_dir) if answer_dir else out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    data = load_request_file(request_file)
    response = data.get("response") or {}
    with Register(register_db) as register:
        documents = _document_attachments(data, out_dir, request_file)
        package = AnswerPackage.read_or_new(answer_dir)
        attachments = documents + [
            a
            for a in manifest_attachments(package)
            if a["file"] not in {d["file"] for d in documents}
        ]
        reference = data["reference"]
        # A request imported earlier is answered as the register holds it.
        with suppress(AlreadyInRegister):
            import_request_file(
                request_file,
                register,
                store=store,
                attachments=attachments,
                answer=package,
                importer=importer,
            )
        responded_on = register.get(reference).responded_on
        if responded_on is None and response.get("responded"):
            raise TransitionError(f"{reference} is in the register but was not responded to")
        # The response is checked as every letter is: nothing is written while it lacks an
        # element, or its template does not show one.
        day = responded_on or register.today()
        missing = register.letter_problems(reference, "response", day)
        if missing:
            raise TransitionError(letter_kinds.refusal(reference, "response", missing))
        html = letter_kinds.checked_html(
            register,
            reference,
            "response",
            day,
            {
                "answer_dir": answer_dir,
                "review_window": int(response.get("review_window", REVIEW_WINDOW)),
            },
        )
    letters = {"html": out_dir / LETTER_FILES["html"], "pdf": out_dir / LETTER_FILES["pdf"]}
    letters["html"].write_text(html, encoding="utf-8")
    write_pdf(html, letters["pdf"])
    _update_manifest(out_dir, letters, documents)
    return letters
