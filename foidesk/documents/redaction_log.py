"""The redaction log: one entry per box, for the reviewer and never published.

It records where each redaction is, which exemption label it carries, why, and the rule
that matched. It is written as JSON and CSV next to, but never inside, the redacted file.
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class RedactionEntry:
    """One redaction: a box on a PDF page, or a span or paragraph of a DOCX part."""

    label: str
    reason: str
    rule: str
    text: str
    page: int | None = None
    paragraph: int | None = None
    part: str | None = None
    box: tuple[float, float, float, float] | None = None


LOG_FIELDS = ("page", "paragraph", "part", "label", "reason", "rule", "text", "box")


def log_paths(output: Path) -> tuple[Path, Path]:
    """Where the log of ``output`` goes by default: ``<stem>.redaction-log.json`` and ``.csv``."""
    stem = output.with_suffix("")
    return stem.with_name(stem.name + ".redaction-log.json"), stem.with_name(
        stem.name + ".redaction-log.csv"
    )


def write_log(entries: list[RedactionEntry], json_path: Path, csv_path: Path | None = None) -> None:
    """Write the log as JSON (and CSV when ``csv_path`` is given)."""
    json_path.parent.mkdir(parents=True, exist_ok=True)
    rows = [asdict(entry) for entry in entries]
    json_path.write_text(json.dumps(rows, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if csv_path is not None:
        csv_path.parent.mkdir(parents=True, exist_ok=True)
        with csv_path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=LOG_FIELDS)
            writer.writeheader()
            for row in rows:
                box = row["box"]
                row["box"] = " ".join(f"{v:.1f}" for v in box) if box else ""
                writer.writerow(row)
