"""The illustrative policy's published documents: version control and the redacted v12.1."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from pdfminer.high_level import extract_text

from foidesk.db import upgrade
from foidesk.documents.illustrative import (
    illustrative_policy,
    register_illustrative_policy,
    tactical_paragraphs,
    write_policy_documents,
)
from foidesk.documents.registry import policy_history
from foidesk.documents.versioncontrol import render_version_control


def squashed(text: str) -> str:
    return "".join(text.split()).casefold()


def test_demo_publishes_redacted_policy_and_version_control(tmp_path: Path) -> None:
    register = tmp_path / "register.sqlite"
    upgrade(register)
    published = write_policy_documents(tmp_path / "out", register)

    assert {p.name for p in published.values()} == {
        "domestic_abuse_policy_redacted.pdf",
        "domestic_abuse_policy_versions.pdf",
        "domestic_abuse_policy_versions.html",
        "domestic_abuse_recording_procedures.pdf",
        "domestic_abuse_recording_procedures.html",
    }
    assert all(p.parent == tmp_path / "out" for p in published.values())
    policy_text = squashed(extract_text(published["policy_redacted"]))
    for paragraph in tactical_paragraphs():
        assert squashed(paragraph) not in policy_text
        assert squashed(paragraph)[:40] not in policy_text
    assert "positiveaction" in policy_text  # non-tactical sections are released
    assert "8.tacticaloptionsathigh-riskaddresses(tactical)" in policy_text  # headings too
    assert policy_text.count("s31(1)(a)") >= len(tactical_paragraphs())

    log = json.loads((tmp_path / "out" / "internal" / "redaction-log.json").read_text())
    assert {entry["label"] for entry in log} == {"s31(1)(a)"}
    assert {entry["text"] for entry in log} == set(tactical_paragraphs())

    control = subprocess.run(
        ["pdftotext", "-layout", str(published["version_control_pdf"]), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Amendments since 2021" in control
    assert "Versions 1.0 to 9.1 (2009 to 2020)" in " ".join(control.split())
    # Which versions were in force from 2015 to 2020, though their amendments were not
    # recorded: 5.0 on 1 January 2015, then 6.0 to 9.1, 9.1 until 10.0 on 4 May 2021.
    flat = " ".join(control.split())
    assert "When each version was in force" in flat
    assert "5.0 1 March 2014 28 December 2015" in flat
    assert "9.1 1 June 2020 3 May 2021" in flat
    assert "12.1 1 April 2024 in force now" in flat

    procedures = subprocess.run(
        ["pdftotext", str(published["recording_procedures_pdf"]), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    flat = " ".join(procedures.split())
    assert "Recording procedures in use since 1 January 2015" in flat
    # Every version in force since 2015, 5.0 to 12.1, each with its dates.
    versions = re.findall(r"Version (\d+\.\d+): in force from", flat)
    assert versions == ["5.0", "6.0", "7.0", "8.0", "9.0", "9.1", "10.0", "10.1", "10.2"] + [
        "11.0",
        "11.1",
        "11.2",
        "12.0",
        "12.1",
    ]
    assert "Version 7.0: in force from 1 October 2016 to 31 March 2018" in flat
    assert "The recording procedure was unchanged from version 6.0." in flat
    assert "whether or not they live together; current intimate partners were always" in flat


def test_version_control_lists_every_amendment_since_2021_only(tmp_path: Path) -> None:
    register = tmp_path / "register.sqlite"
    upgrade(register)
    assert register_illustrative_policy(register) == len(illustrative_policy()["versions"])
    assert register_illustrative_policy(register) == 0  # registering again adds nothing

    html = render_version_control(register, "domestic-abuse")

    rows = html.split("<tbody>")[1].split("</tbody>")[0].count("<tr>")
    recorded = [v for v in policy_history(register, "domestic-abuse") if v.amendments]
    assert rows == len(recorded) == 8
    assert min(v.effective.year for v in recorded) == 2021
    assert "Current version: 12.1, effective from 1 April 2024." in " ".join(html.split())
