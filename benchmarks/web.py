"""Benchmark: the disclosure log's search and pages with 10,000 published responses.

Builds a log of synthetic responses (text drawn from FOI vocabulary with a fixed seed),
then times requests through the whole ASGI app in-process (start-up, routing, database,
templates, middleware) and prints p50 and p95 for each kind, with the ratio to a baseline
measured in the same run: the accessibility page, a template with no database query. The
last kind publishes a response before each (untimed) search, so that nothing the app
keeps per version of the log is of use to it.

    .venv/bin/python benchmarks/web.py                      # SQLite file, FTS5
    .venv/bin/python benchmarks/web.py --db postgresql+psycopg://postgres@127.0.0.1/bench

The target is p95 under 50 ms on a 2-core machine.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
from fastapi.testclient import TestClient
from rich.progress import track

from foidesk.db import open_session
from foidesk.web.app import create_app
from foidesk.web.log import Publication, publish
from foidesk.web.models import PublishedResponse

SUBJECTS = [
    "Domestic abuse", "Stop and search", "Workforce", "Vehicles", "Finance", "Firearms",
    "Custody", "Road traffic", "Hate crime", "Complaints", "Drugs", "Knife crime",
]  # fmt: skip
# Words every police request uses, so each matches most responses: the worst case.
COMMON = [
    "request",
    "statistics",
    "number",
    "offences",
    "recorded",
    "year",
    "since",
    "police",
    "force",
    "officers",
    "crimes",
    "victims",
    "suspects",
    "outcome",
    "charged",
    "cautioned",
    "arrests",
    "policy",
    "guidance",
    "procedure",
    "training",
    "budget",
    "spend",
    "contract",
    "staff",
    "month",
    "quarter",
    "breakdown",
    "sex",
    "age",
    "ethnicity",
]  # noqa: SIM905
# Words that narrow: a borough and a topic per response, as real requests have.
BOROUGHS = [
    "Barnet",
    "Bexley",
    "Brent",
    "Bromley",
    "Camden",
    "Croydon",
    "Ealing",
    "Enfield",
    "Greenwich",
    "Hackney",
    "Haringey",
    "Harrow",
    "Havering",
    "Hillingdon",
    "Hounslow",
    "Islington",
    "Kensington",
    "Lambeth",
    "Lewisham",
    "Merton",
    "Newham",
    "Redbridge",
    "Richmond",
    "Southwark",
    "Sutton",
    "Tower-Hamlets",
    "Waltham-Forest",
    "Wandsworth",
    "Westminster",
]  # noqa: SIM905
TOPICS = [
    "stalking",
    "harassment",
    "coercive",
    "firearms",
    "licences",
    "complaints",
    "misconduct",
    "dismissal",
    "warrants",
    "drugs",
    "knife",
    "robbery",
    "burglary",
    "theft",
    "fraud",
    "cyber",
    "hate",
    "vetting",
    "recruitment",
    "body-worn",
    "video",
    "drones",
    "helicopter",
    "dogs",
    "horses",
    "mounted",
    "response-times",
    "999",
    "overtime",
    "sickness",
    "custody",
]  # noqa: SIM905
WORDS = COMMON


def build_log(db: str, count: int, seed: int = 7) -> list[str]:
    """``count`` synthetic published responses; returns their references."""
    rng = np.random.default_rng(seed)
    start = date(2015, 1, 1)
    references = []
    now = datetime.now(UTC).replace(tzinfo=None)
    with open_session(db) as session:
        for n in track(range(count), description="Publishing synthetic responses"):
            day = start + timedelta(days=int(rng.integers(0, 365 * 10)))
            reference = f"01.FOI.{day:%y}.{n:06d}"
            words = list(rng.choice(COMMON, size=int(rng.integers(40, 160))))
            words += [BOROUGHS[int(rng.integers(0, len(BOROUGHS)))]]
            words += list(rng.choice(TOPICS, size=2))
            text = " ".join(words).capitalize() + "."
            letter = " ".join(rng.choice(WORDS, size=300))
            session.add(
                PublishedResponse(
                    reference=reference,
                    title=" ".join(rng.choice(WORDS, size=5)).capitalize(),
                    subject=SUBJECTS[int(rng.integers(0, len(SUBJECTS)))],
                    published_on=day,
                    request_text=text,
                    decision="Information disclosed",
                    summary="",
                    exemptions=[],
                    letter_html=f"<p>{letter}</p>",
                    search_text=letter,
                    published_by="benchmark",
                    created_at=now,
                )
            )
            references.append(reference)
            if n % 1000 == 999:
                session.commit()
        session.commit()
    return references


def _publication(n: int) -> Publication:
    return Publication(
        reference=f"01.FOI.26.{900_000 + n:06d}",
        title="Police officers' overtime",
        subject="Workforce",
        published_on=date(2026, 1, 5),
        request_text="How much overtime was paid to police officers each month?",
        decision="Information disclosed",
    )


def timings(
    client: TestClient,
    paths: Callable[[int], str],
    n: int,
    before: Callable[[int], object] | None = None,
) -> list[float]:
    """Milliseconds for each of ``n`` requests; ``before(i)`` runs untimed before each."""
    for i in range(5):  # warm caches and connections
        client.get(paths(i))
    out = []
    for i in range(n):
        if before:
            before(i)
        began = time.perf_counter()
        response = client.get(paths(i))
        out.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, (paths(i), response.status_code)
    return out


def p95(values: list[float]) -> float:
    return float(np.percentile(values, 95))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per kind")
    parser.add_argument("--db", help="database URL or file (default: a temporary SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        db = args.db or str(Path(scratch) / "log.sqlite")
        references = build_log(db, args.responses)
        rng = np.random.default_rng(11)
        picks = [references[int(i)] for i in rng.integers(0, len(references), args.requests + 5)]
        common = [str(w) for w in rng.choice(COMMON, size=args.requests + 5)]
        narrow = [str(w) for w in rng.choice(BOROUGHS + TOPICS, size=args.requests + 5)]
        kinds: dict[str, Callable[[int], str]] = {
            "baseline: static page": lambda i: "/accessibility",
            "log, newest first": lambda i: "/log",
            "log, year and subject": lambda i: f"/log?year={2015 + i % 10}&subject=Workforce",
            "search, common word": lambda i: f"/log?q={common[i]}",
            "search, narrowing word": lambda i: f"/log?q={narrow[i]}",
            "search, borough + topic": lambda i: f"/log?q={narrow[i]}+{narrow[-i - 1]}",
            "search, a reference": lambda i: f"/log?q={picks[i]}",
            "search, common, page 5": lambda i: f"/log?q={common[i]}&page=5",
            "response page": lambda i: f"/log/{picks[i]}",
        }
        # As a server runs it: start-up (the lifespan) included.
        with TestClient(create_app(db, migrate=False)) as client, open_session(db) as session:
            results = {name: timings(client, path, args.requests) for name, path in kinds.items()}
            # Each publication changes the log: the search after it finds nothing cached.
            results["search, after publishing"] = timings(
                client,
                lambda i: f"/log?q={common[i]}",
                args.requests,
                before=lambda i: publish(session, _publication(i)),
            )
    base = statistics.median(results["baseline: static page"])
    print(f"\n{args.responses:,} responses, {args.requests} requests each, in-process ASGI")
    print(f"{'kind':<26}{'p50 ms':>9}{'p95 ms':>9}{'p50 / baseline':>17}")
    for name, values in results.items():
        p50 = statistics.median(values)
        print(f"{name:<26}{p50:>9.1f}{p95(values):>9.1f}{p50 / base:>17.1f}")
    worst = max(p95(v) for v in results.values())
    print(f"worst p95 {worst:.1f} ms (target < 50 ms)")


if __name__ == "__main__":
    main()
