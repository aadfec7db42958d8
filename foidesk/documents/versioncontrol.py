"""The version-control document of a policy, generated from the registry as HTML and PDF.

It lists every version whose amendments were recorded (the seed force's record began in
2021) with its effective date, owner and summary of amendments, says plainly that earlier
versions exist whose history was not recorded in the same layout, and gives the dates
every version was in force, so a reader can tell which version applied on any day (for
the seed: which were in force from 2015 to 2020). The PDF is tagged PDF/UA-1.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from foidesk.documents.accessibility import write_pdf_ua
from foidesk.documents.registry import PolicyError, VersionRecord, policy_history, policy_title

TEMPLATES = Path(__file__).with_name("templates")


def long_date(value: date) -> str:
    """1 April 2024."""
    return f"{value.day} {value:%B %Y}"


@dataclass(frozen=True)
class InForce:
    """A version and the days it was in force (``until`` None: still in force)."""

    version: VersionRecord
    since: date
    until: date | None


def in_force(history: list[VersionRecord]) -> list[InForce]:
    """Each version from its effective date to the day before the next one's, oldest first."""
    periods = []
    for number, version in enumerate(history):
        following = history[number + 1] if number + 1 < len(history) else None
        until = following.effective - timedelta(days=1) if following else None
        periods.append(InForce(version, version.effective, until))
    return periods


def in_force_between(history: list[VersionRecord], start: date, end: date) -> list[InForce]:
    """The versions in force on any day from ``start`` to ``end``."""
    return [
        p for p in in_force(history) if p.since <= end and (p.until is None or p.until >= start)
    ]


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"])
    )
    env.filters["long_date"] = long_date
    return env


def render_version_control(db: str | Path, policy: str) -> str:
    """The version-control document as a standalone HTML page."""
    history = policy_history(db, policy)
    recorded = [v for v in history if v.amendments is not None]
    if not recorded:
        raise PolicyError(f"policy {policy!r} has no version with recorded amendments")
    earlier = [v for v in history if v.amendments is None and v.effective < recorded[0].effective]
    template = _environment().get_template("version_control.html.j2")
    return template.render(
        title=policy_title(db, policy),
        current=history[-1],
        since=recorded[0].effective.year,
        recorded=recorded,
        earlier=earlier,
        periods=in_force(history),
    )


def write_version_control(
    db: str | Path,
    policy: str,
    out_dir: Path,
    formats: tuple[str, ...] = ("pdf", "html"),
    stem: str | None = None,
) -> dict[str, Path]:
    """Write ``<stem>.pdf`` and ``<stem>.html`` (``<policy>-policy-version-control``)."""
    unknown = set(formats) - {"pdf", "html"}
    if unknown:
        raise PolicyError(f"unknown format(s) {', '.join(sorted(unknown))}: use pdf and/or html")
    html = render_version_control(db, policy)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    stem = stem or f"{policy}-policy-version-control"
    if "html" in formats:
        written["html"] = out_dir / f"{stem}.html"
        written["html"].write_text(html, encoding="utf-8")
    if "pdf" in formats:
        written["pdf"] = write_pdf_ua(html, out_dir / f"{stem}.pdf")
    return written
