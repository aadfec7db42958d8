"""The service under the web app: opened once, no migration per request, long work in the
background with its progress on a page.

Eight officers publish at the same moment, on real threads against SQLite and PostgreSQL;
every publication must reach the log, and no request may touch Alembic's version table
(only start-up reads it). A job's page shows it queued or running, then done with a link
to its result, or the error that stopped it.
"""

from __future__ import annotations

import re
import threading
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from site_setup import csrf_of, make_user, sign_in
from sqlalchemy import Engine, event, func, select

from foidesk.db import SchemaNotCurrent, make_engine, upgrade
from foidesk.foi import personal_data
from foidesk.foi.register import Actor, Register
from foidesk.web.app import create_app
from foidesk.web.jobs import JobFailed, Jobs
from foidesk.web.models import PublishedResponse

PUBLISHERS = 8


def _approved(db: str, count: int) -> list[str]:
    """``count`` requests decided, approved and reviewed for personal data: ready to publish."""
    references = [f"01.FOI.24.0007{n:02d}" for n in range(count)]
    officer, reviewer = Actor("officer.one", "officer"), Actor("reviewer.one", "reviewer")
    with Register(db) as register:
        for reference in references:
            register.new_request(
                reference,
                date.today() - timedelta(days=5),
                "How many bicycles were reported stolen in 2023?",
                ["The number of bicycle thefts reported in 2023"],
                "email",
                "cyclist@example.org",
                officer,
                title="Bicycle thefts",
                subject="Theft",
            )
            register.decide(reference, 1, "disclosed", [], officer, summary="The number.")
            register.submit_for_approval(reference, officer)
            register.approve(reference, reviewer, fingerprint=register.fingerprint(reference))
            personal_data.record_review(register, reference, None, [], officer)
    return references


def _alembic_reads() -> tuple[list[str], object]:
    """Every statement any engine in the process runs on Alembic's version table."""
    seen: list[str] = []

    def watch(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if "alembic_version" in statement:
            seen.append(statement)

    event.listen(Engine, "before_cursor_execute", watch)
    return seen, watch


def _publish_at_once(db: str) -> None:
    upgrade(db)
    references = _approved(db, PUBLISHERS)
    app = create_app(db, migrate=False)
    clients = []
    for n in range(PUBLISHERS):
        client = TestClient(app)
        sign_in(client, f"officer.{n}", make_user(db, f"officer.{n}", "officer"))
        clients.append(client)
    tokens = [
        csrf_of(c.get(f"/workspace/requests/{r}").text)
        for c, r in zip(clients, references, strict=True)
    ]
    seen, watch = _alembic_reads()
    start = threading.Barrier(PUBLISHERS)
    answers: dict[str, object] = {}

    def publish(client: TestClient, reference: str, token: str) -> None:
        start.wait()
        try:
            answers[reference] = client.post(
                f"/workspace/requests/{reference}/publish",
                data={"csrf_token": token},
                follow_redirects=False,
            )
        except Exception as exc:  # noqa: BLE001 (the assertion below names it)
            answers[reference] = exc

    threads = [
        threading.Thread(target=publish, args=args)
        for args in zip(clients, references, tokens, strict=True)
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        app.state.desk.jobs.wait()
        pages = {r: clients[0].get(answers[r].headers["location"]).text for r in references}
    finally:
        event.remove(Engine, "before_cursor_execute", watch)
    assert all(getattr(a, "status_code", a) == 303 for a in answers.values()), answers
    for reference, page in pages.items():
        assert 'id="job-state">done<' in page, (reference, page[-1500:])
        assert f'href="/log/{reference}"' in page
    with app.state.desk.sessions() as session:
        assert session.scalar(select(func.count()).select_from(PublishedResponse)) == PUBLISHERS
    with Register(db) as register:
        assert {register.status(r) for r in references} == {"responded"}
    assert seen == []


def test_eight_publishes_at_once_all_reach_the_log_on_sqlite(tmp_path) -> None:
    _publish_at_once(str(tmp_path / "desk.sqlite"))


@pytest.mark.postgres
def test_eight_publishes_at_once_all_reach_the_log_on_postgresql(postgres_url: str) -> None:
    _publish_at_once(postgres_url)


def test_a_register_on_a_database_not_migrated_says_to_upgrade(tmp_path) -> None:
    db = tmp_path / "new.sqlite"
    with pytest.raises(SchemaNotCurrent, match=r"has no foidesk schema: run `foidesk db upgrade"):
        Register(db)
    with pytest.raises(SchemaNotCurrent, match="foidesk db upgrade"):
        create_app(db, migrate=False)
    upgrade(db)
    with Register(db) as register:
        assert register.list_requests() == []


def test_a_job_shows_its_progress_then_its_result(tmp_path) -> None:
    db = tmp_path / "desk.sqlite"
    upgrade(db)
    engine = make_engine(db)
    from sqlalchemy.orm import sessionmaker

    jobs = Jobs(sessionmaker(engine, expire_on_commit=False))
    halfway, finish = threading.Event(), threading.Event()

    def work(report) -> str:  # type: ignore[no-untyped-def]
        report("Counting the crimes", 1, 3)
        halfway.set()
        finish.wait()
        report("Written", 3, 3)
        return "/workspace/requests/01.FOI.24.000001/tables"

    def broken(report) -> str:  # type: ignore[no-untyped-def]
        raise JobFailed("the request file names no table")

    running = jobs.start("tables", "01.FOI.24.000001", "analyst.one", work)
    assert halfway.wait(60)
    seen = jobs.get(running)
    assert (seen.state, seen.done, seen.total, seen.message) == (
        "running",
        1,
        3,
        "Counting the crimes",
    )
    finish.set()
    failing = jobs.start("tables", "01.FOI.24.000001", "analyst.one", broken)
    jobs.wait()
    done = jobs.get(running)
    assert (done.state, done.done, done.result) == (
        "done",
        3,
        "/workspace/requests/01.FOI.24.000001/tables",
    )
    failed = jobs.get(failing)
    assert (failed.state, failed.error) == ("failed", "the request file names no table")
    jobs.shutdown()

    # A job left running when the service stopped is marked failed at the next start, and
    # stays failed even if its thread were to finish after all.
    stuck = Jobs(sessionmaker(engine, expire_on_commit=False))
    release = threading.Event()
    left = stuck.start(
        "publish", "01.FOI.24.000002", "officer.one", lambda report: (release.wait(), "/log")[1]
    )
    assert Jobs(sessionmaker(engine, expire_on_commit=False)).abandon_unfinished() == 1
    release.set()
    stuck.wait()
    abandoned = stuck.get(left)
    assert (abandoned.state, abandoned.error) == (
        "failed",
        "The service stopped before this job finished: start it again.",
    )
    stuck.shutdown()
    engine.dispose()


def test_the_job_page_refreshes_until_done_then_links_the_result(seed_site, tmp_path) -> None:
    """Over HTTP: computing the seed's tables runs in the background; its page says so."""
    import shutil
    from pathlib import Path

    from site_setup import SEED, SEED_REFERENCE

    requests = tmp_path / "requests"
    requests.mkdir()
    shutil.copy(SEED, requests / f"{SEED_REFERENCE}.yaml")
    db = tmp_path / "desk.sqlite"
    shutil.copyfile(seed_site.db, db)
    app = create_app(
        str(db),
        migrate=False,
        answers_dir=tmp_path / "answers",
        requests_dir=requests,
        records=Path(seed_site.db).with_name("records.duckdb"),
    )
    analyst = TestClient(app)
    sign_in(analyst, "analyst.one", make_user(str(db), "analyst.one", "analyst"))
    page = f"/workspace/requests/{SEED_REFERENCE}/tables"
    started = analyst.post(
        page, data={"csrf_token": csrf_of(analyst.get(page).text)}, follow_redirects=False
    )
    assert started.status_code == 303
    job_url = started.headers["location"]
    assert re.fullmatch(r"/workspace/jobs/[0-9a-f]{32}", job_url)
    # While a job runs its page shows how far it has got and refreshes itself.
    release = threading.Event()

    def slow(report) -> str:  # type: ignore[no-untyped-def]
        report("Counting the crimes", 1, 3)
        release.wait()
        return page

    slow_url = f"/workspace/jobs/{app.state.desk.jobs.start('tables', SEED_REFERENCE, 'a', slow)}"
    # Until its first report the job is queued, or running with no progress yet (a busy
    # machine can show that moment).
    reported = 'id="job-progress">1 of 3: Counting the crimes<'
    while reported not in (running := analyst.get(slow_url).text):
        assert re.search(r'id="job-state">(queued|running)<', running), running
    assert 'id="job-state">running<' in running
    assert '<meta http-equiv="refresh" content="2">' in running
    release.set()
    app.state.desk.jobs.wait()
    done = analyst.get(job_url).text
    assert 'id="job-state">done<' in done
    # Each table computed was reported (``foidesk.progress``): six of six at the end.
    assert re.search(r'id="job-progress">6 of 6: table \w+ computed<', done), done
    assert "Tables computed with disclosure control applied." in done
    assert 'http-equiv="refresh"' not in done
    assert f'id="job-result" href="{page}"' in done
    tables = analyst.get(page).text
    assert tables.count('<table class="govuk-table">') == 6
