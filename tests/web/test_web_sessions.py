"""Sessions and sign-in: ending sessions, back-off counted atomically, accounts, passwords."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from site_setup import csrf_of, make_user, sign_in

from foidesk.db import open_session
from foidesk.foi.accounts import (
    FREE_ADDRESS_FAILURES,
    FREE_FAILURES,
    GLOBAL_CHECKS_PER_MINUTE,
    AccountError,
    TooManyAttempts,
    add_user,
    authenticate,
    deactivate_user,
    reactivate_user,
    reset_password,
)
from foidesk.foi.models import AccountEvent, LoginAttempt, User


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _signed_in(app: FastAPI, username: str, password: str) -> TestClient:
    client = TestClient(app)
    sign_in(client, username, password)
    assert client.get("/workspace").status_code == 200
    return client


def _refused(client: TestClient) -> bool:
    response = client.get("/workspace", follow_redirects=False)
    return response.status_code == 303 and response.headers["location"].startswith("/login")


def test_sign_out_ends_every_session_of_that_user(app: FastAPI, web_db: str) -> None:
    password = make_user(web_db, "officer.one", "officer")
    laptop = _signed_in(app, "officer.one", password)
    phone = _signed_in(app, "officer.one", password)
    # A copy of the cookie, as an attacker who took it would keep.
    stolen = TestClient(app, cookies=dict(laptop.cookies))
    assert stolen.get("/workspace").status_code == 200
    other = _signed_in(app, "officer.two", make_user(web_db, "officer.two", "officer"))
    token = csrf_of(laptop.get("/workspace").text)
    laptop.post("/workspace/sign-out", data={"csrf_token": token})
    assert _refused(laptop) and _refused(phone) and _refused(stolen)
    assert not _refused(other)


def test_a_password_change_ends_other_sessions_and_keeps_this_one(
    app: FastAPI, web_db: str
) -> None:
    password = make_user(web_db, "officer.one", "officer")
    here = _signed_in(app, "officer.one", password)
    elsewhere = _signed_in(app, "officer.one", password)
    page = here.get("/workspace/password")
    assert page.status_code == 200 and "Change your password" in page.text
    new = "quiet-harbour-lantern-1947"
    changed = here.post(
        "/workspace/password",
        data={"current": password, "new": new, "confirm": new, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert changed.status_code == 303
    assert not _refused(here)
    assert _refused(elsewhere)
    _signed_in(app, "officer.one", new)
    with open_session(web_db) as session:
        assert authenticate(session, "officer.one", password, "10.1.1.1") is None
        actions = [e.action for e in session.query(AccountEvent).filter_by(username="officer.one")]
    assert "password changed" in actions


@pytest.mark.parametrize(
    ("current", "new", "confirm", "why"),
    [
        ("right", "aaaaaaaaaaaa", "aaaaaaaaaaaa", "harder to guess"),
        ("right", "Password1234", "Password1234", "harder to guess"),
        ("right", "officer.one-2024", "officer.one-2024", "harder to guess"),
        ("right", "short", "short", "at least 12 characters"),
        ("right", "quiet-harbour-lantern-1947", "something else", "differ"),
        ("wrong password here", "quiet-harbour-lantern-1947", "quiet-harbour-lantern-1947",
         "current password is not right"),
    ],
)  # fmt: skip
def test_the_change_password_page_refuses_weak_or_unconfirmed_passwords(
    app: FastAPI, web_db: str, current: str, new: str, confirm: str, why: str
) -> None:
    password = make_user(web_db, "officer.one", "officer")
    client = _signed_in(app, "officer.one", password)
    token = csrf_of(client.get("/workspace/password").text)
    response = client.post(
        "/workspace/password",
        data={"current": password if current == "right" else current, "new": new,
              "confirm": confirm, "csrf_token": token},
    )  # fmt: skip
    assert response.status_code == 400
    assert why in response.text
    assert not _refused(client)
    _signed_in(app, "officer.one", password)


def test_common_passwords_are_refused_offline(web_db: str) -> None:
    with open_session(web_db) as session:
        for weak in ("aaaaaaaaaaaa", "password1234", "qwertyuiop12", "letmein12345"):
            with pytest.raises(AccountError, match="harder to guess"):
                add_user(session, "officer.one", ["officer"], weak)
        assert add_user(session, "officer.one", ["officer"], "quiet-harbour-lantern-1947")


def test_adding_a_taken_name_is_refused_and_changes_nothing(client_as, web_db: str) -> None:
    password = make_user(web_db, "officer.one", "officer")
    with open_session(web_db) as session:
        deactivate_user(session, "officer.one", by="admin.one")
        with pytest.raises(AccountError, match="already exists.*reactivate"):
            add_user(session, "officer.one", ["admin"])
    admin = client_as("admin.one", "admin")
    token = csrf_of(admin.get("/workspace/users").text)
    refused = admin.post(
        "/workspace/users",
        data={"username": "officer.one", "roles": ["admin"], "csrf_token": token},
    )
    assert refused.status_code == 400 and "already exists" in refused.text
    with open_session(web_db) as session:
        user = session.query(User).filter_by(username="officer.one").one()
        assert (user.active, user.roles) == (False, "officer")
    # Reactivated explicitly, the account signs in with the password it had.
    reactivated = admin.post("/workspace/users/officer.one/reactivate", data={"csrf_token": token})
    assert reactivated.status_code == 200 and "can sign in again" in reactivated.text
    _signed_in(admin.app, "officer.one", password)


def test_reset_and_reactivate_are_explicit_and_audited(client_as, web_db: str) -> None:
    old = make_user(web_db, "officer.one", "officer")
    victim = _signed_in(client_as("admin.one", "admin").app, "officer.one", old)
    admin = client_as("admin.two", "admin")
    token = csrf_of(admin.get("/workspace/users").text)
    reset = admin.post("/workspace/users/officer.one/reset", data={"csrf_token": token})
    assert reset.status_code == 200 and "officer.one password reset" in reset.text
    new = re.search(r'id="new-password">([^<]+)<', reset.text).group(1)
    assert _refused(victim)
    _signed_in(admin.app, "officer.one", new)
    admin.post("/workspace/users/officer.one/deactivate", data={"csrf_token": token})
    with open_session(web_db) as session:
        with pytest.raises(AccountError, match="already active"):
            reactivate_user(session, "admin.two")
        with pytest.raises(AccountError, match="no user"):
            reset_password(session, "nobody")
        trail = session.query(AccountEvent).filter_by(username="officer.one")
        events = [(e.action, e.actor) for e in trail.order_by(AccountEvent.id)]
    assert events == [
        ("created with roles officer", "command line"),
        ("password reset", "admin.two"),
        ("deactivated", "admin.two"),
    ]
    page = admin.get("/workspace/users").text
    assert "password reset" in page and "deactivated" in page


def test_concurrent_guesses_cannot_all_be_checked(register_db: str) -> None:
    with open_session(register_db) as session:
        add_user(session, "officer.one", ["officer"])
    outcomes: list[str] = []
    start = threading.Barrier(12)

    def guess(n: int) -> None:
        with open_session(register_db) as session:
            start.wait()
            try:
                result = authenticate(session, "officer.one", f"guess number {n}", "10.0.0.9")
                outcomes.append("checked" if result is None else "signed in")
            except TooManyAttempts:
                outcomes.append("refused")

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 12
    assert outcomes.count("checked") <= FREE_FAILURES
    assert outcomes.count("refused") >= 12 - FREE_FAILURES


def test_sign_in_backs_off_rather_than_locking_out(web_db: str) -> None:
    with open_session(web_db) as session:
        password = add_user(session, "officer.one", ["officer"])

        def age(seconds: int) -> None:
            for attempt in session.query(LoginAttempt):
                attempt.attempted_at -= timedelta(seconds=seconds)
            session.commit()

        for _ in range(FREE_FAILURES):
            assert authenticate(session, "officer.one", "wrong password!", "10.0.0.1") is None
        with pytest.raises(TooManyAttempts) as first:
            authenticate(session, "officer.one", password, "10.0.0.1")
        assert 0 < first.value.retry_after <= 31
        # Another address is not held back by the first one's failures.
        assert authenticate(session, "officer.one", password, "10.0.0.2") is not None
        # Once the wait has passed, one more check; a failure doubles the next wait.
        age(31)
        assert authenticate(session, "officer.one", "wrong again!!", "10.0.0.1") is None
        with pytest.raises(TooManyAttempts) as second:
            authenticate(session, "officer.one", password, "10.0.0.1")
        assert 31 < second.value.retry_after <= 61
        # Refused attempts are not counted: hammering does not lengthen the wait.
        for _ in range(10):
            with pytest.raises(TooManyAttempts):
                authenticate(session, "officer.one", password, "10.0.0.1")
        age(61)
        assert authenticate(session, "officer.one", password, "10.0.0.1") is not None
        # A success starts the count again for that name and address.
        assert authenticate(session, "officer.one", "wrong once more", "10.0.0.1") is None
        assert authenticate(session, "officer.one", password, "10.0.0.1") is not None


def test_one_address_guessing_many_names_is_held_back(web_db: str) -> None:
    with open_session(web_db) as session:
        password = add_user(session, "officer.one", ["officer"])
        for n in range(FREE_ADDRESS_FAILURES):
            assert authenticate(session, f"name{n}", "wrong password!", "10.0.0.7") is None
        with pytest.raises(TooManyAttempts):
            authenticate(session, "officer.one", password, "10.0.0.7")
        assert authenticate(session, "officer.one", password, "10.0.0.8") is not None


def test_past_the_global_rate_every_sign_in_waits(web_db: str) -> None:
    with open_session(web_db) as session:
        password = add_user(session, "officer.one", ["officer"])
        now = _now()
        session.add_all(
            LoginAttempt(username=f"u{n}", address=f"10.9.{n // 250}.{n % 250}",
                         attempted_at=now - timedelta(seconds=n % 50), succeeded=False)
            for n in range(GLOBAL_CHECKS_PER_MINUTE)
        )  # fmt: skip
        session.commit()
        with pytest.raises(TooManyAttempts) as refused:
            authenticate(session, "officer.one", password, "10.0.0.1")
        assert refused.value.retry_after == 60
        for attempt in session.query(LoginAttempt):
            attempt.attempted_at -= timedelta(seconds=61)
        session.commit()
        assert authenticate(session, "officer.one", password, "10.0.0.1") is not None


def test_no_lasting_cookie_before_or_after_sign_in(app: FastAPI, web_db: str) -> None:
    client = TestClient(app)
    page = client.get("/login")
    cookie = page.headers["set-cookie"].lower()
    assert "max-age" not in cookie and "expires" not in cookie
    assert 'id="quick-exit"' in page.text
    token = csrf_of(page.text)
    password = make_user(web_db, "officer.one", "officer")
    signed = client.post(
        "/login",
        data={"username": "officer.one", "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    cookie = signed.headers["set-cookie"].lower()
    assert "max-age" not in cookie and "expires" not in cookie
