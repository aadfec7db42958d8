"""What the web tests set up: the seed response published, users, a live server, Chromium.

The seed's response is produced the way the desk produces it: a tiny crime-record store,
the stats engineer's ``answer``, the FOI letter from the request file, two small policy
PDFs standing in for the redacted documents, then ``publish_answer``.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pymupdf
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from foidesk.answers.answer import answer
from foidesk.db import open_session, upgrade
from foidesk.foi.accounts import add_user
from foidesk.foi.letters import write_response
from foidesk.foi.personal_data import review_from_file
from foidesk.foi.register import Register
from foidesk.records.store import Store
from foidesk.stats.cases import Case, write_cases
from foidesk.web.disclosure_log import publish_answer

SEED = Path(__file__).resolve().parents[2] / "examples" / "requests" / "01.FOI.24.035331.yaml"
SEED_REFERENCE = "01.FOI.24.035331"
SEED_REVIEW = SEED.parents[1] / "reviews" / "01.FOI.24.035331.yaml"
CASES = [
    Case(date(2023, 2, 1), victims=("F", "M"), suspects=("M",), pairs=((0, 0, "XP"), (1, 0, "XB"))),
    Case(date(2023, 6, 1), victims=("F",), suspects=("U",), pairs=((0, 0, "XS"),), outcome="15"),
    Case(date(2021, 6, 1), offence="8/65", victims=("M",), suspects=("F",), pairs=((0, 0, "XB"),)),
    Case(date(2018, 1, 4), victims=("F",), suspects=("M",), pairs=((0, 0, "SP"),), outcome="16"),
]


def policy_pdf(path: Path, text: str) -> Path:
    """A one-page PDF standing in for a released policy document."""
    document = pymupdf.open()
    document.new_page().insert_text((72, 72), text)
    document.save(path)
    return path


@dataclass(frozen=True)
class Site:
    """A register and disclosure log with the seed's response published."""

    db: str
    answers: Path
    url: str


def build_seed_site(root: Path) -> Site:
    db = str(root / "desk.sqlite")
    store = root / "records.duckdb"
    with Store(store) as opened:
        write_cases(opened, CASES)
    out = root / "answers" / SEED_REFERENCE
    answer(SEED, store, out)
    policy_pdf(out / "domestic_abuse_policy_redacted.pdf", "Domestic Abuse Policy v12.1 [redacted]")
    policy_pdf(out / "domestic_abuse_policy_versions.pdf", "Version control document")
    policy_pdf(out / "domestic_abuse_recording_procedures.pdf", "Recording procedures since 2015")
    upgrade(db)
    write_response(SEED, db, out)
    with Register(db) as register:
        review_from_file(register, SEED_REVIEW, out, "officer.one")
    url = publish_answer(db, SEED_REFERENCE, out)
    return Site(db, root / "answers", url)


def make_user(db: str, username: str, *roles: str) -> str:
    """A user with a generated password, returned."""
    with open_session(db) as session:
        return add_user(session, username, roles)


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "page has no CSRF token"
    return found.group(1)


def sign_in(client: TestClient, username: str, password: str) -> None:
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start_server(app: FastAPI) -> LiveServer:
    """Uvicorn on a free loopback port in a thread, ready when this returns."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    return LiveServer(f"http://127.0.0.1:{port}", server, thread)
