"""Benchmark: the disclosure log's search and pages with 10,000 (``--responses``) responses.

Builds a log of synthetic responses (text drawn from FOI vocabulary with a fixed seed),
then times requests through the whole ASGI app in-process (start-up, routing, database,
templates, middleware) and prints p50 and p95 for each kind, with the ratio to a baseline
measured in the same run: the accessibility page, a template with no database query.
Searches keep their counts and pages until the log changes (``foidesk.web.search_cache``):
each kind is timed after one untimed pass over its pages, so it times repeats, except the
last two, which publish a response before each (untimed) request, so each of theirs is
the first of a changed log and finds nothing kept.

    .venv/bin/python benchmarks/web.py                      # SQLite file, FTS5
    .venv/bin/python benchmarks/web.py --db postgresql+psycopg://postgres@127.0.0.1/bench

``--reuse`` times the log an earlier run left in ``--db`` instead of building another.

The target is p95 under 50 ms on a 2-core machine.

``--mixed`` runs the served app instead (uvicorn in its own process, the load generator
in another, over loopback) with a register of 10,000 requests beside the log: first the
public mix alone at 32 clients, then the same while 20 officers each open a workspace
page every 2 s (the register, a case page or a form post, in turn). It prints the 5xx
count, the public p50 and p95 of each run and their ratio, and the officers' p95 per
kind. Targets: no 5xx; public p95 under 1 s while officers work.

``--register`` times the workspace's register page in-process, signed in, over a register
of 10,000 requests (first page, a later page, the overdue and due-soon filters, a
reference and title words), with the same static-page baseline. Target: p95 under
200 ms.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
from fastapi.testclient import TestClient
from rich.progress import track
from sqlalchemy import select, text

from foidesk.db import open_session, upgrade
from foidesk.web.app import create_app
from foidesk.web.disclosure_log import Publication, publish
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
    upgrade(db)
    with open_session(db) as session:
        for n in track(range(count), description="Publishing synthetic responses"):
            day = start + timedelta(days=int(rng.integers(0, 365 * 10)))
            reference = f"01.FOI.{day:%y}.{n:06d}"
            words = list(rng.choice(COMMON, size=int(rng.integers(40, 160))))
            words += [BOROUGHS[int(rng.integers(0, len(BOROUGHS)))]]
            words += list(rng.choice(TOPICS, size=2))
            request_text = " ".join(words).capitalize() + "."
            letter = " ".join(rng.choice(WORDS, size=300))
            session.add(
                PublishedResponse(
                    reference=reference,
                    title=" ".join(rng.choice(WORDS, size=5)).capitalize(),
                    subject=SUBJECTS[int(rng.integers(0, len(SUBJECTS)))],
                    published_on=day,
                    request_text=request_text,
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
        engine = session.get_bind()
    if engine.dialect.name == "postgresql":
        # What autovacuum does after a bulk load (statistics, the visibility map), done now
        # rather than whenever it comes round.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE web_responses"))
    return references


def existing_log(db: str) -> list[str]:
    """The references of the synthetic responses an earlier ``build_log`` left in ``db``."""
    upgrade(db)
    with open_session(db) as session:
        return list(
            session.scalars(
                select(PublishedResponse.reference)
                .where(PublishedResponse.published_by == "benchmark")
                .order_by(PublishedResponse.id)
            )
        )


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
    # Every distinct page of the kind once, untimed: a log in use has been searched for
    # these words before, so what is timed is a repeat; a kind with ``before`` changes the
    # log first, so each of its timed requests is a first search of that log.
    for path in dict.fromkeys(paths(i) for i in range(n)):
        client.get(path)
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
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="time the log already in --db (built by an earlier run) instead of building one",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        db = args.db or str(Path(scratch) / "log.sqlite")
        references = existing_log(db) if args.reuse else build_log(db, args.responses)
        args.responses = len(references)
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
            # Each publication changes the log just before the search.
            results["log, after publishing"] = timings(
                client,
                lambda i: "/log",
                args.requests,
                before=lambda i: publish(session, _publication(i)),
            )
            results["search, after publishing"] = timings(
                client,
                lambda i: f"/log?q={common[i]}",
                args.requests,
                before=lambda i: publish(session, _publication(args.requests + i)),
            )
    base = statistics.median(results["baseline: static page"])
    print(f"\n{args.responses:,} responses, {args.requests} requests each, in-process ASGI")
    print(f"{'kind':<26}{'p50 ms':>9}{'p95 ms':>9}{'p50 / baseline':>17}")
    for name, values in results.items():
        p50 = statistics.median(values)
        print(f"{name:<26}{p50:>9.1f}{p95(values):>9.1f}{p50 / base:>17.1f}")
    worst = max(p95(v) for v in results.values())
    print(f"worst p95 {worst:.1f} ms (target < 50 ms)")


# -- the served app under public and workspace load ------------------------------------------

OFFICERS = 20
PUBLIC_CLIENTS = 32
OFFICER_PASSWORD = "quiet-harbour-lantern-1947"


def build_register(db: str, count: int, seed: int = 5) -> list[str]:
    """``count`` requests received over two years; returns the open ones' references.

    As in a working register: those received in the last 30 days are open, older ones
    answered but for one in 40, still open and long overdue (about 650 open in 10,000).
    """
    from foidesk.foi.models import Part
    from foidesk.foi.models import Request as FoiRequest

    rng = np.random.default_rng(seed)
    today = date.today()
    now = datetime.now(UTC).replace(tzinfo=None)
    statuses = ["received", "being handled"]
    references = []
    upgrade(db)
    with open_session(db) as session:
        for n in track(range(count), description="Logging synthetic requests"):
            reference = f"01.FOI.25.{n:06d}"
            received = today - timedelta(days=int(rng.integers(0, 730)))
            still_open = (today - received).days <= 30 or n % 40 == 0
            session.add(
                FoiRequest(
                    reference=reference,
                    title=" ".join(rng.choice(COMMON, size=4)).capitalize(),
                    subject=SUBJECTS[n % len(SUBJECTS)],
                    received=received,
                    channel="email",
                    requester_contact="requester@example.org",
                    text="Please provide " + " ".join(rng.choice(COMMON, size=30)),
                    status=statuses[n % 2] if still_open else "responded",
                    receipt_rule="as-received",
                    attachments=[],
                    advice="",
                    created_at=now,
                    parts=[Part(number=1, text="The figures", summary="", not_held="")],
                )
            )
            if still_open:
                references.append(reference)
            if n % 1000 == 999:
                session.commit()
        session.commit()
    return references


def _serve(db: str, port: int) -> subprocess.Popen:
    """``foidesk serve`` as a server runs it, in its own process; returns once it answers."""
    import httpx

    code = f"from foidesk.web.app import serve; serve({db!r}, '127.0.0.1', {port})"
    server = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/accessibility").status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("the server did not start")


def _public_client(
    base: str, picks: list[str], words: list[str], until: float, out: list, seed: int
) -> None:
    import httpx

    rng = np.random.default_rng(seed)
    with httpx.Client(base_url=base, timeout=60) as client:
        while time.monotonic() < until:
            kind = int(rng.integers(0, 4))
            path = (
                "/log",
                f"/log?q={words[int(rng.integers(0, len(words)))]}",
                f"/log/{picks[int(rng.integers(0, len(picks)))]}",
                f"/log?year={2015 + int(rng.integers(0, 10))}&subject=Workforce",
            )[kind]
            began = time.perf_counter()
            try:
                status = client.get(path).status_code
            except httpx.TransportError:
                status = 599
            out.append(("public", (time.perf_counter() - began) * 1000, status))


def _officer(base: str, n: int, cases: list[str], until: float, out: list, seed: int) -> None:
    import re

    import httpx

    rng = np.random.default_rng(seed)
    with httpx.Client(base_url=base, timeout=60) as client:
        for attempt in range(5):
            # A starved load generator can leave a connection idle past uvicorn's 5 s
            # keep-alive, so the server closes it as the next request goes: sign in again.
            try:
                page = client.get("/login").text
                token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
                client.post(
                    "/login",
                    data={"username": f"officer{n}", "password": OFFICER_PASSWORD,
                          "csrf_token": token},
                )  # fmt: skip
                signed = client.get("/workspace")
                break
            except httpx.TransportError:
                if attempt == 4:
                    raise
        assert signed.status_code == 200, f"officer{n} could not sign in"
        token = re.search(r'name="csrf_token" value="([^"]+)"', signed.text)[1]
        turn = n % 3
        # Staggered so the officers do not all arrive in the same instant.
        time.sleep(2 * n / OFFICERS)
        while time.monotonic() < until:
            began_turn = time.monotonic()
            case = cases[int(rng.integers(0, len(cases)))]
            began = time.perf_counter()
            try:
                if turn == 0:
                    kind = "register page"
                    status = client.get(
                        f"/workspace?page={1 + int(rng.integers(0, 20))}"
                    ).status_code
                elif turn == 1:
                    kind = "case page"
                    status = client.get(f"/workspace/requests/{case}").status_code
                else:
                    kind = "form post"
                    status = client.post(
                        f"/workspace/requests/{case}/costs",
                        data={"activity": "locating", "description": "Searching case files",
                              "records": "10", "minutes_per_record": "2", "csrf_token": token},
                    ).status_code  # fmt: skip
            except httpx.TransportError:
                status = 599  # the connection failed: counted with the 5xx
            out.append((kind, (time.perf_counter() - began) * 1000, status))
            turn = (turn + 1) % 3
            time.sleep(max(0.0, 2.0 - (time.monotonic() - began_turn)))


def _generate(
    base: str, seconds: float, officers: bool, picks: list[str], cases: list[str], queue
) -> None:
    """The load generator's process: public clients, and officers when asked, for ``seconds``."""
    out: list = []
    until = time.monotonic() + seconds
    words = COMMON + BOROUGHS + TOPICS
    threads = [
        threading.Thread(target=_public_client, args=(base, picks, words, until, out, i))
        for i in range(PUBLIC_CLIENTS)
    ]
    if officers:
        threads += [
            threading.Thread(target=_officer, args=(base, n, cases, until, out, 100 + n))
            for n in range(OFFICERS)
        ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    queue.put(out)


def _run(base: str, seconds: float, officers: bool, picks: list[str], cases: list[str]) -> list:
    queue = multiprocessing.get_context("spawn").Queue()
    process = multiprocessing.get_context("spawn").Process(
        target=_generate, args=(base, seconds, officers, picks, cases, queue)
    )
    process.start()
    results = queue.get()
    process.join()
    return results


def _summary(results: list, kind: str) -> tuple[int, float, float, int]:
    times = [t for k, t, _ in results if k == kind]
    errors = sum(1 for k, _, status in results if k == kind and status >= 500)
    if not times:
        return 0, 0.0, 0.0, errors
    return len(times), statistics.median(times), p95(times), errors


def register_pages(args: argparse.Namespace) -> None:
    """The workspace's register page over ``args.cases`` requests, in-process, signed in."""
    import re

    from foidesk.web.accounts import add_user

    with tempfile.TemporaryDirectory() as scratch:
        db = args.db or str(Path(scratch) / "desk.sqlite")
        build_register(db, args.cases)
        with open_session(db) as session:
            add_user(session, "officer0", ["officer"], OFFICER_PASSWORD)
        with TestClient(create_app(db, migrate=False)) as client:
            token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)[1]
            client.post(
                "/login",
                data={"username": "officer0", "password": OFFICER_PASSWORD, "csrf_token": token},
            )
            kinds: dict[str, Callable[[int], str]] = {
                "baseline: static page": lambda i: "/accessibility",
                "register, first page": lambda i: "/workspace",
                "register, page n": lambda i: f"/workspace?page={1 + i % 150}",
                "register, overdue": lambda i: "/workspace?show=overdue",
                "register, due soon": lambda i: "/workspace?show=due-soon",
                "register, a reference": lambda i: f"/workspace?q=25.{i % 10_000:06d}",
                "register, title words": lambda i: f"/workspace?q={COMMON[i % len(COMMON)]}",
            }
            results = {name: timings(client, path, args.requests) for name, path in kinds.items()}
    base = statistics.median(results["baseline: static page"])
    print(f"\n{args.cases:,} requests in the register, {args.requests} requests each, in-process")
    print(f"{'kind':<26}{'p50 ms':>9}{'p95 ms':>9}{'p50 / baseline':>17}")
    for name, values in results.items():
        p50 = statistics.median(values)
        print(f"{name:<26}{p50:>9.1f}{p95(values):>9.1f}{p50 / base:>17.1f}")
    worst = max(p95(v) for k, v in results.items() if k.startswith("register"))
    print(f"worst register p95 {worst:.1f} ms (target < 200 ms)")


def mixed(args: argparse.Namespace) -> None:
    from foidesk.foi.accounts import add_user

    with tempfile.TemporaryDirectory() as scratch:
        db = args.db or str(Path(scratch) / "desk.sqlite")
        picks = build_log(db, args.responses)
        cases = build_register(db, args.cases)
        with open_session(db) as session:
            for n in range(OFFICERS):
                add_user(session, f"officer{n}", ["officer"], OFFICER_PASSWORD)
        port = 8765
        server = _serve(db, port)
        base = f"http://127.0.0.1:{port}"
        try:
            alone = _run(base, args.seconds, False, picks, cases)
            busy = _run(base, args.seconds, True, picks, cases)
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(
        f"\n{args.responses:,} published responses, {args.cases:,} requests in the register, "
        f"{PUBLIC_CLIENTS} public clients, {args.seconds:.0f} s a run, served by uvicorn "
        f"(load generator in its own process; {os.cpu_count()} cores)"
    )
    print(f"{'run / kind':<34}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'5xx':>6}")
    rows = [
        ("public only: public", _summary(alone, "public")),
        (f"with {OFFICERS} officers: public", _summary(busy, "public")),
        ("  officers: register page", _summary(busy, "register page")),
        ("  officers: case page", _summary(busy, "case page")),
        ("  officers: form post", _summary(busy, "form post")),
    ]
    for name, (count, p50, p95_ms, errors) in rows:
        print(f"{name:<34}{count:>9}{p50:>9.1f}{p95_ms:>9.1f}{errors:>6}")
    errors = sum(1 for *_, status in alone + busy if status >= 500)
    ratio = rows[1][1][2] / rows[0][1][2] if rows[0][1][2] else float("nan")
    print(f"public p95 with officers / public only: {ratio:.2f}")
    print(
        f"5xx: {errors} (target 0); public p95 with officers {rows[1][1][2]:.0f} ms "
        f"(target < 1000); register page p95 {rows[2][1][2]:.0f} ms (target < 200)"
    )


if __name__ == "__main__":
    if "--mixed" in sys.argv or "--register" in sys.argv:
        parser = argparse.ArgumentParser(description="the workspace, and the app under load")
        parser.add_argument("--mixed", action="store_true", help="served, public and officers")
        parser.add_argument("--register", action="store_true", help="the register page alone")
        parser.add_argument("--responses", type=int, default=10_000)
        parser.add_argument("--cases", type=int, default=10_000)
        parser.add_argument("--seconds", type=float, default=60)
        parser.add_argument("--requests", type=int, default=200, help="timed requests per kind")
        parser.add_argument("--db", help="database URL or file (default: a temporary SQLite)")
        options = parser.parse_args()
        mixed(options) if options.mixed else register_pages(options)
    else:
        main()
