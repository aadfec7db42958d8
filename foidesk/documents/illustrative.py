"""The illustrative Domestic Abuse Policy: its text, its version history and the demo files.

foidesk writes this policy itself (``illustrative/domestic_abuse_policy.yaml``, clearly
marked as not any force's policy) so the demonstration can show what the seed response
released: the current version redacted on its tactical sections under s31(1)(a), the
version-control document listing every amendment since 2021 and when each version was in
force, and the recording procedures in use since 2015 (the recording section of every
version in force since then), which the requester's clarification asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from foidesk.answers.package import reviewers_only_dir, seal_reviewers_only
from foidesk.documents.accessibility import write_pdf_ua
from foidesk.documents.redaction import redact
from foidesk.documents.registry import (
    NewVersion,
    PolicyError,
    add_policy_versions,
    policy_history,
)
from foidesk.documents.rules import Rule
from foidesk.documents.versioncontrol import _environment, in_force_between, write_version_control

POLICY_FILE = Path(__file__).parent / "illustrative" / "domestic_abuse_policy.yaml"
# The names the seed request file lists under ``documents``, so the response letter finds them.
REDACTED_POLICY_FILE = "domestic_abuse_policy_redacted.pdf"
VERSION_CONTROL_STEM = "domestic_abuse_policy_versions"
RECORDING_PROCEDURES_STEM = "domestic_abuse_recording_procedures"
# The requester narrowed part 5 to "the recording procedures in use since 2015".
RECORDING_SINCE = date(2015, 1, 1)


@lru_cache(maxsize=1)
def illustrative_policy() -> dict[str, Any]:
    """The policy's name, title, versions and sections as written in the YAML file."""
    return yaml.safe_load(POLICY_FILE.read_text(encoding="utf-8"))


def tactical_paragraphs() -> list[str]:
    """The paragraphs of the sections marked tactical: what the published copy withholds."""
    policy = illustrative_policy()
    return [p for s in policy["sections"] if s.get("tactical") for p in s["paragraphs"]]


def policy_pdf(path: Path, number: str | None = None) -> Path:
    """Render the policy (the current version unless ``number`` is given) to a PDF."""
    policy = illustrative_policy()
    versions = {v["number"]: v for v in policy["versions"]}
    version = versions[number or policy["versions"][-1]["number"]]
    html = (
        _environment()
        .get_template("policy.html.j2")
        .render(
            title=policy["title"],
            version={**version, "effective": _as_date(version["effective"])},
            sections=policy["sections"],
        )
    )
    return write_pdf_ua(html, path)


@dataclass(frozen=True)
class RecordingPeriod:
    """A version in force and its recording procedure, or the version it kept it from."""

    number: str
    since: date
    until: date | None
    recording: tuple[str, ...]
    same_as: str | None


def write_recording_procedures(
    out_dir: Path, register_db: str | Path, since: date = RECORDING_SINCE
) -> dict[str, Path]:
    """ "Recording procedures in use since 2015" as HTML and tagged PDF: the recording section
    of every version in force on any day since ``since`` (dates from the registry)."""
    policy = illustrative_policy()
    texts = {v["number"]: tuple(v.get("recording") or ()) for v in policy["versions"]}
    history = policy_history(register_db, policy["name"])
    # A version that did not rewrite the recording section kept the one before it.
    kept: dict[str, tuple[tuple[str, ...], str | None]] = {}
    procedure: tuple[str, ...] = ()
    written_in: str | None = None
    for version in history:
        if texts.get(version.number):
            procedure, written_in = texts[version.number], version.number
        kept[version.number] = (procedure, written_in)
    periods = []
    for period in in_force_between(history, since, date.max):
        procedure, written_in = kept[period.version.number]
        if not procedure:
            raise PolicyError(f"{POLICY_FILE}: version {period.version.number} has no recording")
        same_as = None if written_in == period.version.number else written_in
        periods.append(
            RecordingPeriod(period.version.number, period.since, period.until, procedure, same_as)
        )
    html = (
        _environment()
        .get_template("recording_procedures.html.j2")
        .render(title=policy["title"], since=since, periods=periods)
    )
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {"html": out_dir / f"{RECORDING_PROCEDURES_STEM}.html"}
    written["html"].write_text(html, encoding="utf-8")
    written["pdf"] = write_pdf_ua(html, out_dir / f"{RECORDING_PROCEDURES_STEM}.pdf")
    return written


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def register_illustrative_policy(register_db: str | Path, current_file: Path | None = None) -> int:
    """Register every version not yet in the registry; returns how many were added.

    Only the current version carries a file: the earlier texts are not part of the demo.
    """
    policy = illustrative_policy()
    try:
        known = {v.number for v in policy_history(register_db, policy["name"])}
    except PolicyError:  # not registered yet
        known = set()
    current = policy["versions"][-1]["number"]
    missing = [
        NewVersion(
            version["number"],
            _as_date(version["effective"]),
            version["owner_role"],
            version.get("amendments"),
            current_file if version["number"] == current else None,
        )
        for version in policy["versions"]
        if version["number"] not in known
    ]
    if missing:
        add_policy_versions(register_db, policy["name"], missing, title=policy["title"])
    return len(missing)


def write_policy_documents(out_dir: Path, register_db: str | Path) -> dict[str, Path]:
    """The demo's policy documents: returns the published files by name.

    Registers the illustrative policy's versions (if not already), writes the version
    control document (PDF and HTML) and "Version 12.1 Domestic Abuse Policy Redacted",
    redacted on its tactical sections under s31(1)(a), under the file names the seed
    request file lists. The unredacted source and the
    redaction log go to ``out_dir/internal/``, the package's reviewers-only folder.
    """
    out_dir = Path(out_dir)
    internal = reviewers_only_dir(out_dir)
    policy = illustrative_policy()
    current = policy["versions"][-1]["number"]
    source = policy_pdf(internal / f"domestic-abuse-policy-v{current}.pdf", current)
    register_illustrative_policy(register_db, source)
    rules = [
        Rule("phrase", paragraph, policy["label"], policy["reason"])
        for paragraph in tactical_paragraphs()
    ]
    redacted = redact(
        source,
        out_dir / REDACTED_POLICY_FILE,
        rules,
        log_json=internal / "redaction-log.json",
        log_csv=internal / "redaction-log.csv",
    )
    seal_reviewers_only(out_dir)
    control = write_version_control(register_db, policy["name"], out_dir, stem=VERSION_CONTROL_STEM)
    recording = write_recording_procedures(out_dir, register_db)
    return {
        "policy_redacted": redacted.output,
        "version_control_pdf": control["pdf"],
        "version_control_html": control["html"],
        "recording_procedures_pdf": recording["pdf"],
        "recording_procedures_html": recording["html"],
    }
