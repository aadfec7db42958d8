"""The service under the web app: one ``Desk`` per app holds its databases, folders and jobs.

The app opens it once at start-up and every route uses it: the register (over its own
engine), the workspace's and the public pages' connection pools, the folders of answers,
request files and crime records, and the background jobs. Nothing is opened or migrated
per request; ``Desk.open`` checks the schema once and refuses a database that is behind
(``serve`` migrates it first), or whose log has lost the triggers its searches rely on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from foidesk.db import check_schema, make_engine
from foidesk.foi.register import Register
from foidesk.settings import Settings
from foidesk.web.jobs import Jobs
from foidesk.web.search_cache import check_log_triggers

# Connections for the public pages, apart from the workspace's: an officer's slow page
# never makes a member of the public wait for a connection. Past the wait, a 503 page.
PUBLIC_POOL = {"pool_size": 8, "max_overflow": 8, "pool_timeout": 5}
WORKSPACE_POOL = {"pool_size": 5, "max_overflow": 10, "pool_timeout": 10}


@dataclass
class Desk:
    """What the web app works with, opened once for the app's life."""

    db: str
    settings: Settings
    engine: Engine
    public_engine: Engine
    register: Register
    jobs: Jobs
    answers_dir: Path | None = None
    requests_dir: Path | None = None
    records: Path | None = None
    sessions: sessionmaker[Session] = field(init=False)
    public_sessions: sessionmaker[Session] = field(init=False)

    def __post_init__(self) -> None:
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.public_sessions = sessionmaker(self.public_engine, expire_on_commit=False)

    @classmethod
    def open(
        cls,
        db: str | Path,
        settings: Settings,
        *,
        answers_dir: Path | None = None,
        requests_dir: Path | None = None,
        records: Path | None = None,
        public_pool: dict[str, int] | None = None,
    ) -> Desk:
        """Open the database ``db`` (at the current schema) and the app's folders."""
        engine = make_engine(db, **WORKSPACE_POOL)
        try:
            check_schema(engine)
            check_log_triggers(engine)
        except Exception:
            engine.dispose()
            raise
        public_engine = make_engine(db, **(public_pool or PUBLIC_POOL))
        # The register keeps its own pool: a page's register queries never wait behind
        # the sign-in checks and log writes of the workspace's.
        register = Register(db, settings=settings, engine=make_engine(db))
        jobs = Jobs(sessionmaker(engine, expire_on_commit=False))
        jobs.abandon_unfinished()
        return cls(
            str(db),
            settings,
            engine,
            public_engine,
            register,
            jobs,
            Path(answers_dir) if answers_dir else None,
            Path(requests_dir) if requests_dir else None,
            Path(records) if records else None,
        )

    def close(self) -> None:
        """Let running jobs finish, then close every pool."""
        self.jobs.shutdown()
        self.register.engine.dispose()
        self.public_engine.dispose()
        self.engine.dispose()
