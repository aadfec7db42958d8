"""Long work of the workspace, run in the background: computing a request's tables (with
disclosure control) and publishing a response (its letter made into a PDF).

A request that starts a job returns at once with the job's page, which refreshes itself
until the job is done and then links to the result, or shows the error that stopped it.
Each job is a row of ``web_jobs``: its state (queued, running, done, failed), how far it
has got, and its result or error, so any worker of the app can show it. The work runs on
the app's own small pool of threads (``Jobs``); a job still queued or running when the
app stopped is marked failed when the app starts again, since nothing will finish it.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from foidesk.progress import ProgressCallback
from foidesk.web.models import Job

STATES = ("queued", "running", "done", "failed")
UNFINISHED = ("queued", "running")
# Two at a time: tables and PDFs are heavy, and the machine also serves the pages.
WORKERS = 2
_log = logging.getLogger("foidesk.web.jobs")


class JobFailed(Exception):
    """Work that cannot be done as asked; its message is shown on the job's page."""


@dataclass(frozen=True)
class JobView:
    """A job as its page shows it."""

    id: str
    kind: str
    reference: str
    started_by: str
    state: str
    done: int
    total: int
    message: str
    result: str
    error: str
    created_at: datetime
    finished_at: datetime | None

    @property
    def finished(self) -> bool:
        return self.state not in UNFINISHED


# The work: given a progress callback (``foidesk.progress``: what it is doing, steps done,
# steps in all), it returns the path of its result in the app.
Work = Callable[[ProgressCallback], str]


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Jobs:
    """The app's background jobs: started here, run on a pool of threads, kept in the database."""

    def __init__(self, sessions: sessionmaker[Session], *, workers: int = WORKERS) -> None:
        self._sessions = sessions
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="foidesk-job")
        self._running: set[Future[None]] = set()
        self._lock = threading.Lock()

    def abandon_unfinished(self) -> int:
        """Mark failed every job a previous run of the app left queued or running."""
        with self._sessions.begin() as session:
            return session.execute(
                update(Job)
                .where(Job.state.in_(UNFINISHED))
                .values(
                    state="failed",
                    error="The service stopped before this job finished: start it again.",
                    finished_at=_now(),
                )
            ).rowcount

    def start(self, kind: str, reference: str, started_by: str, work: Work) -> str:
        """Queue ``work`` and return the new job's id at once."""
        job_id = uuid.uuid4().hex
        with self._sessions.begin() as session:
            session.add(
                Job(
                    id=job_id,
                    kind=kind,
                    reference=reference,
                    started_by=started_by,
                    state="queued",
                    done=0,
                    total=0,
                    message="Waiting for a free worker.",
                    result="",
                    error="",
                    created_at=_now(),
                )
            )
        future = self._pool.submit(self._run, job_id, work)
        with self._lock:
            self._running.add(future)
        future.add_done_callback(self._forget)
        return job_id

    def _forget(self, future: Future[None]) -> None:
        with self._lock:
            self._running.discard(future)

    def get(self, job_id: str) -> JobView | None:
        with self._sessions() as session:
            job = session.get(Job, job_id)
            return _view(job) if job is not None else None

    def for_request(self, reference: str, limit: int = 5) -> list[JobView]:
        """The request's latest jobs, newest first."""
        with self._sessions() as session:
            jobs = session.scalars(
                select(Job)
                .where(Job.reference == reference)
                .order_by(Job.created_at.desc())
                .limit(limit)
            )
            return [_view(j) for j in jobs]

    def wait(self, timeout: float | None = None) -> None:
        """Let every job started so far finish (the app's shutdown, and tests)."""
        with self._lock:
            running = set(self._running)
        wait(running, timeout)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)

    def _set(self, job_id: str, **values: object) -> None:
        # Only a job still under way changes: one marked failed because the service that
        # ran it stopped (``abandon_unfinished``) stays failed.
        with self._sessions.begin() as session:
            session.execute(
                update(Job).where(Job.id == job_id, Job.state.in_(UNFINISHED)).values(**values)
            )

    def _run(self, job_id: str, work: Work) -> None:
        self._set(job_id, state="running", message="Starting.")

        def report(stage: str, done: int, total: int) -> None:
            self._set(job_id, done=done, total=total, message=stage)

        try:
            result = work(report)
        except JobFailed as exc:
            self._set(job_id, state="failed", error=str(exc), finished_at=_now())
        except Exception as exc:  # noqa: BLE001 (a job's failure is shown, never lost)
            _log.exception("job %s failed", job_id)
            self._set(
                job_id,
                state="failed",
                error=f"An unexpected problem stopped the job ({type(exc).__name__}).",
                finished_at=_now(),
            )
        else:
            self._set(job_id, state="done", result=result, finished_at=_now())


def _view(job: Job) -> JobView:
    return JobView(
        job.id,
        job.kind,
        job.reference,
        job.started_by,
        job.state,
        job.done,
        job.total,
        job.message,
        job.result,
        job.error,
        job.created_at,
        job.finished_at,
    )
