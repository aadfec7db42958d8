"""What searches keep between requests stops counting as soon as the log changes, whoever
changes it: publications, withdrawals and edits are seen by the very next search, on
SQLite and PostgreSQL, through the public pages and through ``search_log``."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import text

from foidesk.db import open_session, upgrade
from foidesk.web.app import create_app
from foidesk.web.disclosure_log import Publication, publish, withdraw
from foidesk.web.search import LogPage, LogQuery, search_log


def _entry(reference: str, subject: str, text: str, day: date = date(2024, 5, 1)) -> Publication:
    return Publication(
        reference=reference,
        title=f"Request {reference}",
        subject=subject,
        published_on=day,
        request_text=text,
        decision="Information disclosed",
    )


def _references(page: LogPage) -> list[str]:
    return [h.reference for h in page.hits]


def test_a_repeated_search_is_answered_from_what_was_kept(register_db: str) -> None:
    with open_session(register_db) as session:
        publish(session, _entry("01.FOI.24.000001", "Custody", "How many stalking reports?"))
        first = search_log(session, LogQuery(q="stalking"))
        # Letter case does not matter to the index, so the same entry answers.
        again = search_log(session, LogQuery(q="Stalking"))
        assert again.hits[0] is first.hits[0]
        assert again.query.q == "Stalking" and again.total == 1
        publish(session, _entry("01.FOI.24.000002", "Custody", "Stalking again"))
        after = search_log(session, LogQuery(q="stalking"))
        assert after.total == 2
        assert all(hit is not first.hits[0] for hit in after.hits)


def test_a_publication_by_another_writer_appears_in_the_next_page_view(register_db: str) -> None:
    with open_session(register_db) as writer:
        publish(writer, _entry("01.FOI.24.000011", "Custody", "Stalking in custody"))
        client = TestClient(create_app(register_db, migrate=False))
        before = client.get("/log", params={"q": "stalking"}).text
        assert "01.FOI.24.000011" in before and "01.FOI.25.000012" not in before
        browse = client.get("/log").text
        assert "01.FOI.25.000012" not in browse
        # Another process's session, as the command line's `log publish` is.
        publish(
            writer,
            _entry("01.FOI.25.000012", "Vehicles", "Stalking by car", date(2025, 2, 3)),
        )
        after = client.get("/log", params={"q": "stalking"}).text
        assert "01.FOI.25.000012" in after and "01.FOI.24.000011" in after
        assert "2 responses matching" in after
        assert "01.FOI.25.000012" in client.get("/log").text
        vehicles = client.get("/log", params={"q": "stalking", "subject": "Vehicles"}).text
        assert "01.FOI.25.000012" in vehicles and "01.FOI.24.000011" not in vehicles


def test_withdrawn_responses_vanish_from_the_next_search(register_db: str) -> None:
    with open_session(register_db) as reader, open_session(register_db) as writer:
        publish(writer, _entry("01.FOI.24.000021", "Custody", "Stalking in custody"))
        publish(writer, _entry("01.FOI.24.000022", "Vehicles", "Stalking by car"))
        both = search_log(reader, LogQuery(q="stalking"))
        assert _references(both) == ["01.FOI.24.000022", "01.FOI.24.000021"]
        assert [(f.value, f.count) for f in both.subjects] == [("Custody", 1), ("Vehicles", 1)]
        assert search_log(reader, LogQuery()).total == 2
        assert withdraw(writer, "01.FOI.24.000022")
        after = search_log(reader, LogQuery(q="stalking"))
        assert _references(after) == ["01.FOI.24.000021"] and after.total == 1
        assert [(f.value, f.count) for f in after.subjects] == [("Custody", 1)]
        assert _references(search_log(reader, LogQuery())) == ["01.FOI.24.000021"]
        assert search_log(reader, LogQuery(q="stalking", subject="Vehicles")).total == 0


def test_an_edit_made_by_hand_is_seen_by_the_next_search(register_db: str) -> None:
    with open_session(register_db) as reader, open_session(register_db) as writer:
        publish(writer, _entry("01.FOI.24.000031", "Custody", "Stalking in custody"))
        assert search_log(reader, LogQuery(q="overtime")).total == 0
        # Not through publish(): the database moves the version on by itself.
        writer.execute(
            text("UPDATE web_responses SET request_text = 'Overtime paid' WHERE reference = :r"),
            {"r": "01.FOI.24.000031"},
        )
        writer.commit()
        assert _references(search_log(reader, LogQuery(q="overtime"))) == ["01.FOI.24.000031"]
        assert search_log(reader, LogQuery(q="stalking")).total == 0


def test_a_log_made_again_at_the_same_address_is_not_answered_from_the_old_one(
    tmp_path: Path,
) -> None:
    file = tmp_path / "log.sqlite"
    db = f"sqlite:///{file}"
    upgrade(db)
    with open_session(db) as session:
        publish(session, _entry("01.FOI.24.000041", "Custody", "Stalking in custody"))
        assert _references(search_log(session, LogQuery(q="stalking"))) == ["01.FOI.24.000041"]
    file.unlink()
    # The same number of changes to a new log at the same address.
    upgrade(db)
    with open_session(db) as session:
        publish(session, _entry("01.FOI.24.000042", "Custody", "Stalking in custody"))
        assert _references(search_log(session, LogQuery(q="stalking"))) == ["01.FOI.24.000042"]


def test_searches_in_many_threads_never_go_back_to_an_older_log(register_db: str) -> None:
    with open_session(register_db) as writer:
        publish(writer, _entry("01.FOI.24.000100", "Workforce", "Overtime paid"))
    seen: dict[int, list[int]] = {}
    failures: list[BaseException] = []
    stop = threading.Event()

    def search(n: int) -> None:
        totals = seen.setdefault(n, [])
        try:
            with open_session(register_db) as session:
                while True:
                    # Once told to stop, one more search begun after the last publication.
                    last = stop.is_set()
                    totals.append(search_log(session, LogQuery(q="overtime")).total)
                    session.commit()  # as each request's session ends
                    if last:
                        break
        except BaseException as failure:  # noqa: BLE001 - reported by the main thread
            failures.append(failure)

    threads = [threading.Thread(target=search, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    with open_session(register_db) as writer:
        for n in range(1, 11):
            publish(writer, _entry(f"01.FOI.24.{100 + n:06d}", "Workforce", "Overtime paid"))
    stop.set()
    for thread in threads:
        thread.join()
    assert failures == []
    for totals in seen.values():
        assert totals == sorted(totals) and totals[-1] == 11


def test_a_search_inside_a_change_rolled_back_leaves_nothing_behind(register_db: str) -> None:
    with open_session(register_db) as reader, open_session(register_db) as writer:
        publish(writer, _entry("01.FOI.24.000051", "Custody", "Stalking in custody"))
        writer.execute(
            text("UPDATE web_responses SET request_text = 'Overtime paid' WHERE reference = :r"),
            {"r": "01.FOI.24.000051"},
        )
        # The writer's own search sees its uncommitted edit...
        assert _references(search_log(writer, LogQuery(q="overtime"))) == ["01.FOI.24.000051"]
        writer.rollback()
        # ...which never happened; a different change to the log follows.
        publish(writer, _entry("01.FOI.24.000052", "Custody", "Burglary figures"))
        assert search_log(reader, LogQuery(q="overtime")).total == 0
        assert _references(search_log(reader, LogQuery(q="stalking"))) == ["01.FOI.24.000051"]
