"""Recall and precision of the personal-data suggester on the labelled request texts.

Reads tests/documents/data/personal_data_set.yaml (request-like texts, each with the
spans a reviewer removes), runs :func:`foidesk.documents.suggestions.suggest_text` on
each, and prints recall for names, for structured identifiers and for ages, precision
over everything it suggested (allegation sentences aside: they are not labelled), and
each miss and false alarm. ``--json`` prints the figures only.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

from foidesk.documents.suggestions import suggest_text

DATA = Path(__file__).parents[1] / "tests/documents/data"
LABELLED = DATA / "personal_data_set.yaml"
HELD_OUT = DATA / "personal_data_heldout.yaml"
# The suggester's kinds, as the labelled set names them.
KINDS = {
    "UK phone number": "phone",
    "email address": "email",
    "National Insurance number": "National Insurance number",
    "postcode": "postcode",
    "street address": "address",
    "vehicle registration": "vehicle registration",
    "crime reference number": "crime reference",
    "collar number": "collar number",
    "name": "name",
    "age": "age",
}
GROUPS = {"name": "names", "age": "ages"}


def _group(kind: str) -> str:
    return GROUPS.get(kind, "structured identifiers")


def _same(a: str, b: str) -> bool:
    a, b = a.casefold(), b.casefold()
    return a == b or a in b or b in a


def evaluate(path: Path = LABELLED) -> dict:
    """Per group: labelled, found, recall; overall precision; the misses and false alarms."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    labelled: dict[str, int] = {}
    recalled: dict[str, int] = {}
    suggested = correct = 0
    misses, alarms = [], []
    for entry in entries:
        found = [(KINDS[s.kind], s.text) for s in suggest_text(entry["text"]) if s.kind in KINDS]
        for span in entry["spans"]:
            group = _group(span["kind"])
            labelled[group] = labelled.get(group, 0) + 1
            if any(k == span["kind"] and _same(t, span["text"]) for k, t in found):
                recalled[group] = recalled.get(group, 0) + 1
            else:
                misses.append((span["kind"], span["text"], entry["text"]))
        for kind, text in found:
            suggested += 1
            if any(k["kind"] == kind and _same(text, k["text"]) for k in entry["spans"]):
                correct += 1
            else:
                alarms.append((kind, text, entry["text"]))
    return {
        "texts": len(entries),
        "recall": {
            group: {
                "labelled": labelled[group],
                "found": recalled.get(group, 0),
                "recall": round(recalled.get(group, 0) / labelled[group], 3),
            }
            for group in sorted(labelled)
        },
        "precision": {
            "suggested": suggested,
            "correct": correct,
            "precision": round(correct / suggested, 3) if suggested else 1.0,
        },
        "misses": misses,
        "false_alarms": alarms,
    }


def main() -> None:
    for title, path in (("tuning set", LABELLED), ("held-out set", HELD_OUT)):
        report(title, evaluate(path))


def report(title: str, figures: dict) -> None:
    """Print one set's figures (``--json``: the figures only)."""
    if "--json" in sys.argv:
        summary = {k: figures[k] for k in ("texts", "recall", "precision")}
        print(json.dumps({title: summary}, indent=2))
        return
    print(f"{title}: {figures['texts']} labelled texts")
    for group, row in figures["recall"].items():
        print(f"recall, {group}: {row['found']}/{row['labelled']} = {row['recall']:.3f}")
    p = figures["precision"]
    print(f"precision: {p['correct']}/{p['suggested']} = {p['precision']:.3f}")
    for kind, text, source in figures["misses"]:
        print(f"missed {kind}: {text!r} in {source!r}")
    for kind, text, source in figures["false_alarms"]:
        print(f"false alarm {kind}: {text!r} in {source!r}")


if __name__ == "__main__":
    main()
