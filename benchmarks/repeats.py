"""Precision and recall of repeat and round-robin detection on the labelled requests.

Reads tests/foi/data/repeats_labelled.yaml. For pairs, a detection is "identical" or
"similar" (either counts as a repeat); precision and recall are over the pairs labelled
identical or similar, and identical is also scored alone. For round robins, the newest
request of each group is checked against the ones before it. Prints every mistake;
``--json`` prints the figures only.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import yaml

from foidesk.foi.repeats import Earlier, compare, is_round_robin, repeats_of

DATA = Path(__file__).parents[1] / "tests/foi/data"
LABELLED = DATA / "repeats_labelled.yaml"
HELD_OUT = DATA / "repeats_heldout.yaml"


def _score(found: int, right: int, labelled: int) -> dict:
    return {
        "labelled": labelled,
        "flagged": found,
        "correct": right,
        "precision": round(right / found, 3) if found else 1.0,
        "recall": round(right / labelled, 3) if labelled else 1.0,
    }


def evaluate(path: Path = LABELLED) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    mistakes = []
    repeat = {"found": 0, "right": 0, "labelled": 0}
    identical = {"found": 0, "right": 0, "labelled": 0}
    for pair in data["pairs"]:
        kind, overlap = compare(pair["a"], pair["b"])
        is_repeat = pair["label"] in ("identical", "similar")
        repeat["labelled"] += is_repeat
        repeat["found"] += kind is not None
        repeat["right"] += kind is not None and is_repeat
        identical["labelled"] += pair["label"] == "identical"
        identical["found"] += kind == "identical"
        identical["right"] += kind == "identical" and pair["label"] == "identical"
        if (kind or "different") != pair["label"]:
            mistakes.append(
                f"{pair['label']} called {kind or 'different'} ({overlap}): {pair['b']!r}"
            )
    robin = {"found": 0, "right": 0, "labelled": 0}
    for group in data["round_robins"]:
        *before, newest = group["requests"]
        earlier = [
            Earlier(f"R{n}", date(2024, 1, 1), r["text"], r["contact"])
            for n, r in enumerate(before)
        ]
        contacts = {e.reference: e.contact for e in earlier}
        found = repeats_of(newest["text"], newest["contact"], earlier)
        flagged = is_round_robin(newest["text"], newest["contact"], found, contacts)
        robin["labelled"] += group["round_robin"]
        robin["found"] += flagged
        robin["right"] += flagged and group["round_robin"]
        if flagged != group["round_robin"]:
            mistakes.append(
                f"round robin {group['round_robin']} called {flagged}: {newest['text']!r}"
            )
    return {
        "pairs": len(data["pairs"]),
        "round robin groups": len(data["round_robins"]),
        "repeats (identical or similar)": _score(**repeat),
        "identical": _score(**identical),
        "round robins": _score(**robin),
        "mistakes": mistakes,
    }


def main() -> None:
    for title, path in (("tuning set", LABELLED), ("held-out set", HELD_OUT)):
        figures = evaluate(path)
        mistakes = figures.pop("mistakes")
        print(json.dumps({title: figures}, indent=2))
        if "--json" not in sys.argv:
            for mistake in mistakes:
                print(mistake)


if __name__ == "__main__":
    main()
