"""The register page a page at a time, filtered, with every deadline worked out in bulk."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from foidesk.foi import clock
from foidesk.foi.register import Register
from foidesk.web.caseload import PER_PAGE, caseload

COUNT = 130


def _fill(db: str) -> dict[str, date | None]:
    """``COUNT`` requests received over the last 60 days, some clarified, paused or answered;
    returns each one's due date as the register works it out request by request."""
    today = date.today()
    with Register(db, migrate=False) as register:
        for n in range(COUNT):
            reference = f"01.FOI.24.{n:06d}"
            received = today - timedelta(days=n % 60)
            register.new_request(
                reference, received, f"Question {n}", [f"Question {n}"], "email", "a@b.org",
                "officer.one", title=f"Horses {n}" if n % 10 == 0 else f"Topic {n}",
            )  # fmt: skip
            if n % 7 == 3:
                register.clarify(reference, received, "Which years?", "officer.one")
            if n % 7 == 4 and received < today:
                register.clarify(reference, received, "Which years?", "officer.one")
                register.answer_clarification(reference, today, "2023", "officer.one")
            if n % 11 == 5:
                register.fee_notice(reference, received, 25, "officer.one")
        return {r.reference: register.deadline_for(r).due for r in register.list_requests()}


def test_the_register_is_paged_open_first_by_due_date(client_as, web_db: str) -> None:
    dues = _fill(web_db)
    officer = client_as("officer.one", "officer")
    first = officer.get("/workspace")
    assert first.status_code == 200
    shown = re.findall(r'href="/workspace/requests/([^"]+)"', first.text)
    assert len(shown) == PER_PAGE
    assert f"Showing 1 to {PER_PAGE} of {COUNT} requests" in first.text
    # Every deadline on the page is the one the register gives request by request.
    expected = sorted(dues, key=lambda ref: (dues[ref] or date.max, ref))
    assert shown == expected[:PER_PAGE]
    last = officer.get("/workspace?page=3")
    assert re.findall(r'href="/workspace/requests/([^"]+)"', last.text) == expected[100:]
    assert f"Showing 101 to {COUNT} of {COUNT} requests" in last.text
    # Out-of-range and malformed pages fall back rather than fail.
    assert officer.get("/workspace?page=99").status_code == 200
    assert officer.get("/workspace?page=-1&show=nonsense").status_code == 200


def test_filters_count_and_narrow_the_register(web_db: str) -> None:
    dues = _fill(web_db)
    today = date.today()
    overdue = {r for r, due in dues.items() if due is not None and due < today}
    stopped = {r for r, due in dues.items() if due is None}
    soon = {
        r
        for r, due in dues.items()
        if due is not None and due >= today and clock.working_days_between(today, due) <= 5
    }
    assert overdue and stopped and soon
    with Register(web_db, migrate=False) as register, Session(register.engine) as session:
        everything = caseload(session, today, per_page=1000)
        assert everything.counts == {
            "all": COUNT,
            "open": COUNT,
            "overdue": len(overdue),
            "due-soon": len(soon),
            "stopped": len(stopped),
            "responded": 0,
        }
        for show, wanted in (("overdue", overdue), ("stopped", stopped), ("due-soon", soon)):
            listing = caseload(session, today, show=show, per_page=1000)
            assert {row.reference for row in listing.rows} == wanted, show
        horses = caseload(session, today, q="horses")
        assert {row.reference for row in horses.rows} == {
            f"01.FOI.24.{n:06d}" for n in range(0, COUNT, 10)
        }
        assert caseload(session, today, q="000042").rows[0].reference == "01.FOI.24.000042"
        assert caseload(session, today, q="100%_").total == 0


def test_the_filter_form_keeps_its_choices_across_pages(client_as, web_db: str) -> None:
    _fill(web_db)
    officer = client_as("officer.one", "officer")
    page = officer.get("/workspace?show=open&q=Topic")
    assert page.status_code == 200
    assert 'value="open" selected' in page.text
    assert "/workspace?show=open&amp;q=Topic&amp;page=2" in page.text


def test_the_register_page_reads_no_request_whole(client_as, web_db: str) -> None:
    """Eight queries however many requests (a ninth for a page of responded ones): none per
    row. Three of them list what time has brought due (fees to lapse, clarifications to
    remind of or close, decision notices to comply with)."""
    from sqlalchemy import event

    _fill(web_db)
    officer = client_as("officer.one", "officer")
    officer.get("/workspace")  # the register opened once, as it stays
    statements: list[str] = []
    engine = officer.app.state.desk.register.engine

    def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert officer.get("/workspace?page=2").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 8, statements


def test_responded_requests_follow_newest_first_paged_by_the_database(web_db: str) -> None:
    dues = _fill(web_db)
    today = date.today()
    with Register(web_db, migrate=False) as register, Session(register.engine) as session:
        # Answered long ago: set as the register would leave them, straight in the table.
        session.execute(text("UPDATE foi_requests SET status = 'responded' WHERE id % 4 = 0"))
        session.commit()
        answered = {r.reference: r.received for r in register.list_requests("responded")}
        open_refs = sorted(
            (ref for ref in dues if ref not in answered), key=lambda r: (dues[r] or date.max, r)
        )
        newest = sorted(answered, key=lambda r: (-answered[r].toordinal(), r))
        listing = [
            row.reference for n in (1, 2, 3) for row in caseload(session, today, page=n).rows
        ]
        assert listing == open_refs + newest
        responded = caseload(session, today, show="responded", page=1, per_page=10)
        assert [r.reference for r in responded.rows] == newest[:10]
        assert all(r.deadline.label == "Responded" for r in responded.rows)
        assert responded.total == len(answered) == responded.counts["responded"]
        assert responded.counts["open"] == len(open_refs)


def test_a_register_of_one_request_says_request(client_as, web_db: str) -> None:
    with Register(web_db, migrate=False) as register:
        register.new_request(
            "01.FOI.24.000001", date.today(), "Question", ["Question"], "email", "a@b.org",
            "officer.one", title="Horses",
        )  # fmt: skip
    page = client_as("officer.one", "officer").get("/workspace")
    count = re.search(r'id="register-count">([^<]*)<', page.text)
    assert count is not None
    assert count.group(1) == "Showing 1 to 1 of 1 request"
