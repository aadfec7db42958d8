"""What searches keep between requests stops counting as soon as the log changes, whoever
changes it: publications, withdrawals and edits are seen by the very next search, on
SQLite and PostgreSQL, through the public pages and through ``search_log``."""

from __future__ import annotations

import gc
import threading
import tracemalloc
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from foidesk.db import SchemaNotCurrent, open_session, upgrade
from foidesk.web.app import create_app
from foidesk.web.disclosure_log import Publication, publish, withdraw
from foidesk.web.models import PublishedResponse
from foidesk.web.search import LogPage, LogQuery, search_log
from foidesk.web.search_cache import LOG_TRIGGERS, MAX_BYTES, kept_size, log_version


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


# Ten years of a busy log: a response for every month and each of 30 subjects, all with
# the same five words, so any mix of them matches the whole log.
_WORDS = ("police", "figures", "recorded", "custody", "numbers")
_SUBJECTS = tuple(f"Subject {n:02d}" for n in range(30))


def _publish_decade(session: Session) -> int:
    now = datetime.now(UTC).replace(tzinfo=None)
    n = 0
    for year in range(2015, 2025):
        for month in range(1, 13):
            for subject in _SUBJECTS:
                n += 1
                session.add(
                    PublishedResponse(
                        reference=f"01.FOI.{year % 100}.{n:06d}",
                        title=f"Request {n}",
                        subject=subject,
                        published_on=date(year, month, 1 + n % 28),
                        request_text=" ".join(_WORDS).capitalize() + f" {n}",
                        decision="Information disclosed",
                        summary="",
                        exemptions=[],
                        letter_html="",
                        search_text="",
                        published_by="test",
                        created_at=now,
                    )
                )
    session.commit()
    return n


def _broad(n: int) -> str:
    """The n-th of many different searches that each match every response."""
    words = []
    while True:
        n, digit = divmod(n, len(_WORDS))
        words.append(_WORDS[digit])
        if not n:
            return " ".join(words)


def test_a_broad_search_keeps_its_counts_in_a_few_bytes_a_month_and_subject(
    register_db: str,
) -> None:
    with open_session(register_db) as session:
        size = _publish_decade(session)
        # The statements' own caches fill on a first search; then only what is kept grows.
        search_log(session, LogQuery(q="numbers custody"))
        session.commit()
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            entries, estimated = kept_size()
            page = search_log(session, LogQuery(q="police"))
            assert page.total == size and len(page.subjects) == 30
            del page
            # As a request ends: the driver lets go of the last rows it read.
            session.commit()
            gc.collect()
            held = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        # 3,600 months and subjects, and a page of 20 hits.
        assert held < 100_000
        now_entries, now_estimated = kept_size()
        assert now_entries == entries + 2
        # The estimate is of what is held, not a fraction of it.
        assert held * 0.6 < now_estimated - estimated < held * 2


def test_many_broad_searches_keep_the_cache_under_its_bound(register_db: str) -> None:
    with open_session(register_db) as session:
        _publish_decade(session)
        first = search_log(session, LogQuery(q=_broad(0)))
        # Each set of counts holds at least 10 bytes for each of 3,600 months and subjects,
        # so these add up to more than the bound, whatever else is kept.
        searches = MAX_BYTES // 36_000 + 40
        for n in range(1, searches):
            # Counts only (no page is kept for a subject the log lacks): quicker.
            search_log(session, LogQuery(q=_broad(n), subject="None of them"))
            assert kept_size()[1] <= MAX_BYTES
        entries, estimated = kept_size()
        assert estimated > MAX_BYTES * 0.9 and entries < 2 * searches
        # The oldest search was dropped to make room; the latest is still kept.
        assert search_log(session, LogQuery(q=_broad(0))).hits[0] is not first.hits[0]
        last = search_log(session, LogQuery(q=_broad(searches - 1)))
        assert search_log(session, LogQuery(q=_broad(searches - 1))).hits[0] is last.hits[0]
        assert last.total == 3600
        # A change to the log lets go of all of it at the next search.
        publish(session, _entry("01.FOI.24.999999", "Custody", "Stalking in custody"))
        assert search_log(session, LogQuery(q="stalking")).total == 1
        assert kept_size()[1] < 100_000


def test_a_subject_the_log_lacks_matches_nothing_and_keeps_nothing(register_db: str) -> None:
    with open_session(register_db) as session:
        publish(session, _entry("01.FOI.24.000061", "Custody", "Stalking in custody"))
        assert search_log(session, LogQuery(q="stalking")).total == 1
        kept_before = kept_size()
        client = TestClient(create_app(register_db, migrate=False))
        for n in range(50):
            subject = f"{n}" * 1000
            page = client.get("/log", params={"q": "stalking", "subject": subject})
            assert page.status_code == 200
            assert "0 responses matching" in page.text and "01.FOI.24.000061" not in page.text
            # Nor does a page past the last one.
            beyond = search_log(session, LogQuery(q="stalking", page=n + 2))
            assert beyond.total == 1 and beyond.hits == []
        assert kept_size() == kept_before
        custody = client.get("/log", params={"q": "stalking", "subject": "Custody"}).text
        assert "01.FOI.24.000061" in custody and "1 response matching" in custody


def _triggers(session: Session) -> set[str]:
    if session.get_bind().dialect.name == "postgresql":
        query = (
            "SELECT tgname FROM pg_trigger "
            "WHERE tgrelid = 'web_responses'::regclass AND NOT tgisinternal"
        )
    else:
        query = (
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'web_responses'"
        )
    return {row[0] for row in session.execute(text(query))}


def test_the_log_has_the_triggers_that_keep_its_version_and_index(register_db: str) -> None:
    with open_session(register_db) as session:
        found = _triggers(session)
    if register_db.startswith("postgresql"):
        assert found == {"web_log_version_bump"}
    else:
        assert found == {
            "web_log_version_insert",
            "web_log_version_update",
            "web_log_version_delete",
            "web_responses_fts_insert",
            "web_responses_fts_update",
            "web_responses_fts_delete",
        }
    assert found == set(LOG_TRIGGERS[register_db.split(":")[0].split("+")[0]])


def test_the_app_refuses_a_log_whose_triggers_are_gone(register_db: str) -> None:
    with open_session(register_db) as session:
        dropped = sorted(_triggers(session))[-1]
        on = " ON web_responses" if register_db.startswith("postgresql") else ""
        session.execute(text(f"DROP TRIGGER {dropped}{on}"))
        session.commit()
    with pytest.raises(SchemaNotCurrent, match=f"{dropped}.*foidesk db upgrade"):
        create_app(register_db, migrate=False)


@pytest.mark.postgres
def test_versions_never_repeat_when_a_connection_seeds_its_random_numbers(
    postgres_url: str,
) -> None:
    upgrade(postgres_url)
    with open_session(postgres_url) as writer:
        publish(writer, _entry("01.FOI.24.000071", "Custody", "Stalking in custody"))
        versions = []
        for change in ("Overtime paid", "Burglary figures"):
            # A pooled connection may carry a seed another user of it set.
            writer.execute(text("SELECT setseed(0.5)"))
            writer.execute(
                text("UPDATE web_responses SET request_text = :t WHERE reference = :r"),
                {"t": change, "r": "01.FOI.24.000071"},
            )
            writer.commit()
            versions.append(log_version(writer)[1])
            writer.commit()
        assert versions[0] != versions[1]
