"""`request import` is all or nothing: killed part-way, or racing another import.

The importer runs in a real child process. It is killed with SIGKILL at chosen SQL
statements of the import (counted by an SQLAlchemy engine event, so the points are the
same on every run) and just before COMMIT; afterwards the request is absent and a new
import succeeds. Two processes importing the same file at once leave exactly one request,
the loser saying it is already in the register.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from foidesk.foi.register import Register, RequestNotFound
from foidesk.foi.request_file import AlreadyInRegister, import_request_file

SEED = Path(__file__).parents[2] / "examples" / "requests" / "01.FOI.24.035331.yaml"
REF = "01.FOI.24.035331"

# The child: imports SEED into DB. With KILL_AT > 0 it SIGKILLs itself just before the
# KILL_AT-th SQL statement of the import ("commit" kills it just before COMMIT). With GO,
# it prints "ready" and waits for the file GO to exist before importing (the race).
CHILD = """
import json, os, signal, sys, time
from pathlib import Path
from sqlalchemy import event
from foidesk.foi.register import Register, RequestNotFound
from foidesk.foi.request_file import AlreadyInRegister, import_request_file

db, seed, kill_at, go = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
with Register(db, migrate=False) as register:
    statements = [0]

    @event.listens_for(register.engine, "before_cursor_execute")
    def count(*_args):
        statements[0] += 1
        if kill_at.isdigit() and statements[0] == int(kill_at):
            os.kill(os.getpid(), signal.SIGKILL)

    @event.listens_for(register.engine, "commit")
    def before_commit(_connection):
        if kill_at == "commit":
            os.kill(os.getpid(), signal.SIGKILL)

    if go:
        print("ready", flush=True)
        while not Path(go).exists():
            time.sleep(0.005)
    try:
        import_request_file(seed, register)
        print(json.dumps({"imported": True, "statements": statements[0]}), flush=True)
    except AlreadyInRegister as error:
        print(json.dumps({"imported": False, "error": str(error)}), flush=True)
"""


def _child(db: str, kill_at: str = "", go: str = "") -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, db, str(SEED), kill_at, go],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _run(db: str, kill_at: str = "") -> tuple[int, str]:
    child = _child(db, kill_at)
    out, err = child.communicate(timeout=300)
    return child.returncode, out + err


@pytest.fixture
def migrated(register_db: str) -> str:
    # Migrated once here, so the children only import.
    Register(register_db, migrate=True).close()
    return register_db


def test_killed_import_leaves_nothing_and_can_be_redone(migrated: str) -> None:
    code, out = _run(migrated)
    assert code == 0, out
    total = json.loads(out.splitlines()[-1])["statements"]
    # The whole import is many statements (new request, clarification, cost lines, five
    # decisions, approval, response), all of them in one transaction.
    assert total > 40
    with Register(migrated, migrate=False) as register:
        assert register.status(REF) == "responded"
    # Start again on an empty register for each kill point.
    points = [str(n) for n in (2, total // 3, (2 * total) // 3, total - 1)]
    for point in [*points, "commit"]:
        _empty(migrated)
        code, out = _run(migrated, point)
        assert code == -signal.SIGKILL, (point, out)
        with Register(migrated, migrate=False) as register:
            assert not register.exists(REF), point
            # Not even the trail of a start: the register never saw the import.
            with pytest.raises(RequestNotFound):
                register.audit_trail(REF)
            import_request_file(SEED, register)
            request = register.get(REF)
            assert request.status == "responded", point
            assert [p.decision is not None for p in request.parts] == [True] * 5, point


def _empty(db: str) -> None:
    """Remove every request and the audit trail, as in a fresh register."""
    from sqlalchemy import delete, select
    from sqlalchemy.orm import Session

    from foidesk.foi.models import AuditEntry, Request

    with Register(db, migrate=False) as register, Session(register.engine) as session:
        for request in session.scalars(select(Request)):
            session.delete(request)
        session.execute(delete(AuditEntry))
        session.commit()


@pytest.mark.parametrize("trial", range(3))
def test_two_processes_import_the_same_file(migrated: str, tmp_path: Path, trial: int) -> None:
    go = tmp_path / f"go-{trial}"
    children = [_child(migrated, go=str(go)) for _ in range(2)]
    for child in children:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
    go.touch()
    results = []
    for child in children:
        out, err = child.communicate(timeout=300)
        assert child.returncode == 0, err
        results.append(json.loads(out.splitlines()[-1]))
    assert sorted(r["imported"] for r in results) == [False, True]
    loser = next(r for r in results if not r["imported"])
    assert f"request {REF} is already in the register" in loser["error"]
    with Register(migrated, migrate=False) as register:
        request = register.get(REF)
        assert request.status == "responded"
        assert len(request.parts) == 5
        trail = register.audit_trail(REF)
        # One import's trail only: one new request, one response, nothing deleted (each
        # event has a row per field it changed).
        events = [(entry.action, entry.field) for entry in trail]
        assert events.count(("new request", "received")) == 1
        assert events.count(("responded", "responded_on")) == 1
        assert "deleted" not in {action for action, _ in events}


def test_a_second_import_changes_nothing(register_db: str) -> None:
    with Register(register_db, migrate=True) as register:
        import_request_file(SEED, register)
        trail = len(register.audit_trail(REF))
        with pytest.raises(AlreadyInRegister, match=f"request {REF} is already in the register"):
            import_request_file(SEED, register)
        assert len(register.audit_trail(REF)) == trail
