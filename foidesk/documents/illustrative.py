"""The illustrative Domestic Abuse Policy: its text, its version history and the demo files.

foidesk writes this policy itself (``illustrative/domestic_abuse_policy.yaml``, clearly
marked as not any force's policy) so the demonstration can show what the seed response
released: the current version redacted on its tactical sections under s31(1)(a), and the
version-control document listing every amendment since 2021.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from foidesk.documents.redaction import redact
from foidesk.documents.registry import (
    NewVersion,
    PolicyError,
    add_policy_versions,
    policy_history,
)
from foidesk.documents.rules import Rule
from foidesk.documents.versioncontrol import _environment, write_version_control

POLICY_FILE = Path(__file__).parent / "illustrative" / "domestic_abuse_policy.yaml"
# The names the seed request file lists under ``documents``, so the response letter finds them.
REDACTED_POLICY_FILE = "domestic_abuse_policy_redacted.pdf"
VERSION_CONTROL_STEM = "domestic_abuse_policy_versions"


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
    from weasyprint import HTML

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
    path.parent.mkdir(parents=True, exist_ok=True)
    HTML(string=html).write_pdf(path)
    return path


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
    redaction log go to ``out_dir/internal/``, which is not part of the published set.
    """
    out_dir = Path(out_dir)
    internal = out_dir / "internal"
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
    control = write_version_control(register_db, policy["name"], out_dir, stem=VERSION_CONTROL_STEM)
    return {
        "policy_redacted": redacted.output,
        "version_control_pdf": control["pdf"],
        "version_control_html": control["html"],
    }
