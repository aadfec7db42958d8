"""Benchmark: foidesk's verified redaction against PyMuPDF's bare redaction, in the same run.

The baseline is what a bare PyMuPDF script does: search each page for the phrases, box
them, apply, save. foidesk also matches phrases however they are broken, scrubs the
whole document, rewrites it in full and then proves the result with pdfminer.six and
pdftotext; the script prints each stage's time and the ratio to the baseline.

    .venv/bin/python benchmarks/redaction.py --pages 40
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pymupdf
from weasyprint import HTML

from foidesk.documents.pdf import redact_pdf
from foidesk.documents.redaction import redact
from foidesk.documents.rules import Rule
from foidesk.documents.verification import verify_pdf

PHRASES = ["Operation Nightjar", "020 7946 0018", "DS Jane Smith"]
PARAGRAPH = (
    "<p>Officers attending under Operation Nightjar call 020 7946 0018 before entry. The "
    "supervising officer, DS Jane Smith, reviews each risk assessment graded high and "
    "records the safeguarding actions taken before the end of the tour of duty.</p>"
)


def build(path: Path, pages: int) -> Path:
    body = "".join(
        f"<section style='break-after: page'><h2>Section {n}</h2>{PARAGRAPH * 6}</section>"
        for n in range(1, pages + 1)
    )
    HTML(string=f"<body style='font-family: DejaVu Sans'>{body}</body>").write_pdf(path)
    return path


def pymupdf_baseline(source: Path, target: Path) -> int:
    boxes = 0
    with pymupdf.open(source) as doc:
        for page in doc:
            for phrase in PHRASES:
                for rect in page.search_for(phrase):
                    page.add_redact_annot(rect, text="s31(1)(a)", fill=(0, 0, 0))
                    boxes += 1
            page.apply_redactions()
        doc.save(target)
    return boxes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="foidesk-bench-") as scratch:
        run(Path(scratch), args.pages)


def run(folder: Path, pages: int) -> None:
    source = build(folder / "policy.pdf", pages)
    rules = [Rule("phrase", phrase, "s31(1)(a)") for phrase in PHRASES]

    timings: dict[str, float] = {}
    began = time.perf_counter()
    baseline_boxes = pymupdf_baseline(source, folder / "baseline.pdf")
    timings["PyMuPDF search + apply + save"] = time.perf_counter() - began

    began = time.perf_counter()
    done = redact_pdf(source, folder / "stage.pdf", rules)
    timings["foidesk redact (no proof)"] = time.perf_counter() - began
    began = time.perf_counter()
    findings = verify_pdf(folder / "stage.pdf", rules, done.removed_texts, done.boxes)
    timings["foidesk proof only"] = time.perf_counter() - began
    began = time.perf_counter()
    result = redact(source, folder / "published.pdf", rules)
    timings["foidesk redact + proof"] = time.perf_counter() - began

    print(
        f"{pages} pages; boxes: PyMuPDF {baseline_boxes}, foidesk {len(result.entries)}; "
        f"findings after foidesk: {len(findings)}"
    )
    base = timings["PyMuPDF search + apply + save"]
    for name, seconds in timings.items():
        per = seconds / pages * 1e3
        print(f"{name:32s} {seconds:8.3f} s  {per:8.1f} ms/page  {seconds / base:6.1f}x baseline")


if __name__ == "__main__":
    main()
