"""Redact a PDF or DOCX file, prove the result with an independent reader, then publish it.

The redacted file is written to a temporary name in the target folder, verified, and only
then renamed into place: a file that fails verification is deleted and nothing is written,
not even the log. The log goes next to the output under a distinct name (or where the
caller says), never into the file itself.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from foidesk.documents.redaction_log import RedactionEntry, log_paths, write_log
from foidesk.documents.rules import Rule, RuleError
from foidesk.documents.verification import Finding
from foidesk.progress import ProgressCallback

SUPPORTED = (".pdf", ".docx")


class RedactionFailed(RuntimeError):
    """Verification found redacted content in the output; nothing was written."""

    def __init__(self, output: Path, findings: list[Finding]) -> None:
        self.findings = findings
        lines = [
            f"  {f.where}: {f.kind}: {f.detail} ({f.forbidden or 'hidden content'})"
            for f in findings
        ]
        super().__init__(
            f"redaction of {output} failed verification; nothing was written:\n" + "\n".join(lines)
        )


@dataclass(frozen=True)
class RedactionResult:
    """The published file, the reviewer's log, and every redaction made."""

    output: Path
    log_json: Path
    log_csv: Path
    entries: list[RedactionEntry]
    checked_by: tuple[str, ...]


def redact(
    source: Path,
    output: Path,
    rules: list[Rule],
    *,
    log_json: Path | None = None,
    log_csv: Path | None = None,
    progress: ProgressCallback | None = None,
) -> RedactionResult:
    """Redact ``source`` into ``output`` by ``rules``; raise :class:`RedactionFailed` if any
    redacted string or hidden content is still found by the independent reader.

    ``progress(stage, done, total)``, if given, hears of each PDF page redacted and verified.
    """
    source, output = Path(source), Path(output)
    suffix = source.suffix.lower()
    if suffix not in SUPPORTED:
        raise RuleError(f"{source}: cannot redact {suffix or 'this'} files (only PDF and DOCX)")
    if not source.is_file():
        raise FileNotFoundError(f"{source}: no such file")
    if output.suffix.lower() != suffix:
        raise RuleError(f"{output}: the output must be a {suffix} file like its input")
    if output.resolve() == source.resolve():
        raise RuleError(f"{output}: the output must not overwrite the original")
    if not rules:
        raise RuleError("no redaction rules given")
    default_json, default_csv = log_paths(output)
    log_json = log_json or default_json
    log_csv = log_csv or default_csv
    missing_folder = not output.parent.exists()
    output.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary_name = tempfile.mkstemp(
        prefix=f".{output.stem}.", suffix=suffix, dir=output.parent
    )
    os.close(handle)
    temporary = Path(temporary_name)
    try:
        if suffix == ".pdf":
            from foidesk.documents.pdf import redact_pdf
            from foidesk.documents.verification import pdf_readers, verify_pdf

            done = redact_pdf(source, temporary, rules, progress)
            findings = verify_pdf(temporary, rules, done.removed_texts, done.boxes, progress)
            entries = done.entries
            checked_by = pdf_readers()
        else:
            from foidesk.documents.docx import redact_docx
            from foidesk.documents.hidden_content import verify_docx

            entries, removed = redact_docx(source, temporary, rules)
            findings = verify_docx(temporary, rules, removed)
            checked_by = ("zipfile + xml.etree",)
        if findings:
            raise RedactionFailed(output, findings)
        os.replace(temporary, output)
    except BaseException:
        temporary.unlink(missing_ok=True)
        if missing_folder and not any(output.parent.iterdir()):
            output.parent.rmdir()
        raise
    write_log(entries, log_json, log_csv)
    return RedactionResult(output, log_json, log_csv, entries, checked_by)
