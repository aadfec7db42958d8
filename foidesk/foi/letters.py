"""The response letter: rendered from the register to accessible HTML, and to PDF.

The letter follows a police FOI response: the request as received ("I note you seek access
to the following information"), the clarification, the decision on each part, the s17
refusal notice with harm and public interest test, the s12 estimate and s16 advice, the
attachments, and the rights to an internal review and to complain to the ICO (s50). It is
applicant-blind: nothing about the requester appears in it.
"""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path
from typing import Any

from foidesk.answers.package import AnswerPackage, FileEntry, sha256_file
from foidesk.documents.accessibility import write_pdf_ua
from foidesk.foi.clock import add_working_days
from foidesk.foi.exemptions import NCND
from foidesk.foi.letter_kinds import STYLESHEET, environment, review_address, section_name
from foidesk.foi.register import Register, TransitionError
from foidesk.foi.request_file import (
    REVIEW_WINDOW,
    AlreadyInRegister,
    import_request_file,
    load_request_file,
)

LETTER_FILES = {"html": "response.html", "pdf": "response.pdf"}
LETTER_TITLES = {"html": "Response letter (HTML)", "pdf": "Response letter (PDF)"}


def _manifest_attachments(package: AnswerPackage) -> list[dict[str, Any]]:
    """The package's public files other than the letter, as attachments."""
    return [
        {"title": f.title, "file": f.path, "sha256": f.sha256}
        for f in package.public_files()
        if f.path not in LETTER_FILES.values()
    ]


def letter_attachments(register: Register, reference: str, answer_dir: Path | None) -> list[dict]:
    """The response's attachments: the register's, then the answer manifest's not yet listed."""
    listed = [dict(a) for a in register.get(reference).attachments]
    names = {a["file"] for a in listed}
    for entry in _manifest_attachments(AnswerPackage.read_or_new(answer_dir)):
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


def render_letter(
    register: Register,
    reference: str,
    answer_dir: Path | None = None,
    *,
    review_window: int = REVIEW_WINDOW,
) -> str:
    """The response letter for ``reference`` as a self-contained HTML document.

    The authority's name, its team's contact details, the signatory and the ICO's address
    come from the register's settings (``foidesk.settings``).
    """
    request = register.get(reference)
    package = AnswerPackage.read_or_new(answer_dir)
    refusals = [e for p in request.parts for e in p.exemptions]
    # A s12 refusal gives the estimate for the part it refuses, from the worksheet: the
    # figures, the appropriate limit and the advice on narrowing (s16).
    estimates = {
        p.number: register.cost_estimate(reference, p.number)
        for p in request.parts
        if any(e.section == "s12" for e in p.exemptions)
    }
    s16 = ""
    if estimates:
        s16 = next(iter(estimates.values())).s16_advice(request.advice)
    elif request.advice:
        s16 = request.advice
    by_decision: dict[str, list[int]] = {}
    for p in request.parts:
        by_decision.setdefault(p.decision or "", []).append(p.number)
    s14 = next((e for e in refusals if e.section == "s14"), None)
    review_by = None
    if request.responded_on:
        review_by, _ = add_working_days(request.responded_on, review_window)
    template = environment().get_template("response.html.j2")
    return template.render(
        request=request,
        authority=register.settings.authority,
        # Where internal reviews are asked for (s17(7)): the settings' own, else the team's.
        review_address=review_address(register.settings.authority),
        clarifications=list(request.clarifications),
        refusals=refusals,
        # s14 refuses the whole request: its notice is given once, not once per part.
        notices=[
            (p.number, e)
            for p in request.parts
            for e in p.exemptions
            if e.section != "s14" or e is s14
        ],
        # One line per section relied on, though several parts may rely on it.
        refused_sections=list(dict.fromkeys(f"{section_name(e)} – {e.title}" for e in refusals)),
        any_disclosed=any(p.decision in ("disclosed", "partly disclosed") for p in request.parts),
        not_held_parts=[p for p in request.parts if p.decision == "not held" or p.not_held],
        parts_by_decision=by_decision,
        every_part_ncnd=set(by_decision) == {NCND},
        s14=s14,
        estimates=estimates,
        table_titles=package.described_tables(),
        s16_advice=s16,
        # Regulation 5: the s12 refusal names the requests its estimate aggregates.
        regulation_5=next((e.regulation_5() for e in estimates.values() if e.aggregated_with), ""),
        attachments=letter_attachments(register, reference, answer_dir),
        tables=package.table_titles,
        review_window=review_window,
        review_by=review_by,
        css=STYLESHEET.read_text(encoding="utf-8"),
    )


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
    kept = [f for f in package.manifest.files if f.path not in LETTER_FILES.values()]
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
) -> dict[str, Path]:
    """Import the request file (if new), render ``response.html`` and ``response.pdf``.

    Attachments are the request file's ``documents`` (found in ``out_dir`` for their
    SHA-256) and the files of ``answer_dir/manifest.json`` (``answer_dir`` defaults to
    ``out_dir``). The letter, and those documents when present, are added to the manifest
    in ``out_dir``. Returns the paths written.
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
            for a in _manifest_attachments(package)
            if a["file"] not in {d["file"] for d in documents}
        ]
        reference = data["reference"]
        # A request imported earlier is answered as the register holds it.
        with suppress(AlreadyInRegister):
            import_request_file(
                request_file, register, store=store, attachments=attachments, answer=package
            )
        if register.get(reference).responded_on is None and response.get("responded"):
            raise TransitionError(f"{reference} is in the register but was not responded to")
        html = render_letter(
            register,
            reference,
            answer_dir,
            review_window=int(response.get("review_window", REVIEW_WINDOW)),
        )
    letters = {"html": out_dir / LETTER_FILES["html"], "pdf": out_dir / LETTER_FILES["pdf"]}
    letters["html"].write_text(html, encoding="utf-8")
    write_pdf(html, letters["pdf"])
    _update_manifest(out_dir, letters, documents)
    return letters
