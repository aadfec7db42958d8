"""Searching a log with more matches than are ranked: totals, facets and pages, on SQLite
and PostgreSQL alike."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import psycopg
import pytest
from sqlalchemy.orm import Session

from foidesk.db import open_session, upgrade
from foidesk.web.disclosure_log import Publication, publish, withdraw
from foidesk.web.models import PublishedResponse
from foidesk.web.search import PER_PAGE, RANK_LIMIT, LogQuery, search_log

SIZE = 2300
SUBJECTS = ("Custody", "Finance", "Vehicles")
START = date(2017, 1, 1)


def _day(n: int) -> date:
    return START + timedelta(days=n)


def _mentions_police(n: int) -> bool:
    # 2,200 of the 2,300 responses: more than are ranked.
    return n % 23 != 0


def _stalking(n: int) -> bool:
    return n % 100 == 7


def _stalking_in_title(n: int) -> bool:
    return n % 200 == 7


def _reference(n: int) -> str:
    return f"01.FOI.{_day(n):%y}.{n:06d}"


def _publish_many(session: Session) -> None:
    """One response a day from 2017, so newest first is simply the highest number first."""
    now = datetime.now(UTC).replace(tzinfo=None)
    for n in range(SIZE):
        words = ["How", "many", "requests", "were", "made"]
        words += ["to", "the", "police"] if _mentions_police(n) else ["by", "letter"]
        words += ["about", "stalking"] if _stalking(n) else []
        session.add(
            PublishedResponse(
                reference=_reference(n),
                title="Stalking figures" if _stalking_in_title(n) else f"Figures number {n}",
                subject=SUBJECTS[n % 3],
                published_on=_day(n),
                request_text=" ".join(words) + "?",
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


def _newest_first(numbers: list[int]) -> list[str]:
    return [_reference(n) for n in sorted(numbers, reverse=True)]


def test_a_word_in_almost_every_response_counts_and_pages_newest_first(register_db: str) -> None:
    police = [n for n in range(SIZE) if _mentions_police(n)]
    assert len(police) > RANK_LIMIT
    with open_session(register_db) as session:
        _publish_many(session)
        first = search_log(session, LogQuery(q="police"))
        assert first.total == 2200 and not first.ranked
        assert first.pages == 110
        assert [h.reference for h in first.hits] == _newest_first(police)[:PER_PAGE]
        assert "<mark>police</mark>" in first.hits[0].snippet
        fifth = search_log(session, LogQuery(q="police", page=5))
        assert [h.reference for h in fifth.hits] == _newest_first(police)[80:100]
        last = search_log(session, LogQuery(q="police", page=110))
        assert [h.reference for h in last.hits] == _newest_first(police)[2180:]
        assert search_log(session, LogQuery(q="police", page=111)).hits == []
        years = Counter(_day(n).year for n in police)
        assert [(f.value, f.count) for f in first.years] == [
            (str(y), years[y]) for y in sorted(years, reverse=True)
        ]
        subjects = Counter(SUBJECTS[n % 3] for n in police)
        assert [(f.value, f.count) for f in first.subjects] == sorted(subjects.items())
        assert first.months == []


def test_filters_narrow_a_common_word_to_a_ranked_few(register_db: str) -> None:
    with open_session(register_db) as session:
        _publish_many(session)
        query = LogQuery(q="police", year=2019, subject="Finance", per_page=50)
        narrowed = search_log(session, query)
        expected = {
            _reference(n)
            for n in range(SIZE)
            if _mentions_police(n) and _day(n).year == 2019 and SUBJECTS[n % 3] == "Finance"
        }
        assert narrowed.total == len(expected) == 116 and narrowed.ranked
        pages = [search_log(session, replace(query, page=p)) for p in (1, 2, 3)]
        assert [len(p.hits) for p in pages] == [50, 50, 16]
        assert {h.reference for p in pages for h in p.hits} == expected
        # Each facet ignores its own filter: the subject facet counts 2019 in every subject.
        in_2019 = Counter(
            SUBJECTS[n % 3] for n in range(SIZE) if _mentions_police(n) and _day(n).year == 2019
        )
        assert [(f.value, f.count) for f in narrowed.subjects] == sorted(in_2019.items())
        months = Counter(
            _day(n).month
            for n in range(SIZE)
            if _mentions_police(n) and _day(n).year == 2019 and SUBJECTS[n % 3] == "Finance"
        )
        assert [(f.label, f.count) for f in narrowed.months][:2] == [
            ("January", months[1]),
            ("February", months[2]),
        ]
        march = search_log(session, LogQuery(q="police", year=2019, month=3, subject="Finance"))
        assert march.total == months[3]
        assert all(h.published_on.month == 3 for h in march.hits)
        nothing = search_log(session, LogQuery(q="police", subject="No such subject"))
        assert nothing.total == 0 and nothing.hits == []


def test_a_rare_word_ranks_title_matches_first(register_db: str) -> None:
    with open_session(register_db) as session:
        _publish_many(session)
        stalking = search_log(session, LogQuery(q="stalking", per_page=30))
        assert stalking.ranked and stalking.total == 23
        in_title = {_reference(n) for n in range(SIZE) if _stalking_in_title(n)}
        assert len(in_title) == 12
        assert {h.reference for h in stalking.hits[:12]} == in_title
        assert {h.reference for h in stalking.hits} == {
            _reference(n) for n in range(SIZE) if _stalking(n)
        }
        browse = search_log(session, LogQuery(page=2))
        assert browse.total == SIZE and not browse.ranked
        assert [h.reference for h in browse.hits] == _newest_first(list(range(SIZE)))[20:40]


def _entry(reference: str, subject: str, text: str) -> Publication:
    return Publication(
        reference=reference,
        title=f"Request {reference}",
        subject=subject,
        published_on=date(2024, 5, 1),
        request_text=text,
        decision="Information disclosed",
    )


def test_republishing_or_withdrawing_the_newest_response_is_seen_at_once(
    register_db: str,
) -> None:
    with open_session(register_db) as session:
        publish(session, _entry("01.FOI.24.000001", "Vehicles", "Cars written off"))
        publish(session, _entry("01.FOI.24.000002", "Vehicles", "Stalking reports"))
        assert search_log(session, LogQuery(q="stalking")).total == 1
        # On SQLite the replacement may take the deleted row's id.
        publish(session, _entry("01.FOI.24.000002", "Workforce", "Overtime paid"))
        assert search_log(session, LogQuery(q="stalking")).total == 0
        assert search_log(session, LogQuery(q="overtime")).total == 1
        browse = search_log(session, LogQuery())
        assert [(f.value, f.count) for f in browse.subjects] == [("Vehicles", 1), ("Workforce", 1)]
        assert withdraw(session, "01.FOI.24.000002")
        assert search_log(session, LogQuery(q="overtime")).total == 0
        assert [h.reference for h in search_log(session, LogQuery()).hits] == ["01.FOI.24.000001"]


@pytest.mark.postgres
def test_postgresql_search_index_keeps_no_pending_list(postgres_url: str) -> None:
    upgrade(postgres_url)
    plain = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain) as connection:
        options = connection.execute(
            "SELECT reloptions FROM pg_class WHERE relname = 'ix_web_responses_search'"
        ).fetchone()
        assert options == (["fastupdate=off"],)


def test_snippets_come_from_the_request_text_else_the_letter(register_db: str) -> None:
    with open_session(register_db) as session:
        entry = _entry("01.FOI.24.000003", "Workforce", "How many stalking reports?")
        letter = "<p>We hold figures on overtime paid to staff.</p>"
        publish(session, replace(entry, letter_html=letter))
        in_letter = search_log(session, LogQuery(q="overtime")).hits[0].snippet
        assert "<mark>overtime</mark>" in in_letter and "stalking" not in in_letter
        # Either word in the request text is enough for its snippet to be shown.
        both = search_log(session, LogQuery(q="stalking overtime"))
        assert [h.reference for h in both.hits] == ["01.FOI.24.000003"]
        assert both.hits[0].snippet == "How many <mark>stalking</mark> reports?"


def test_responses_published_after_a_search_take_their_place_in_the_log(
    register_db: str,
) -> None:
    def dated(reference: str, day: date, subject: str, text: str) -> Publication:
        return replace(_entry(reference, subject, text), published_on=day)

    with open_session(register_db) as session:
        publish(session, dated("01.FOI.24.000010", date(2024, 5, 1), "Vehicles", "Cars"))
        publish(session, dated("01.FOI.24.000011", date(2024, 3, 1), "Custody", "Cells"))
        before = search_log(session, LogQuery())
        assert [h.reference for h in before.hits] == ["01.FOI.24.000010", "01.FOI.24.000011"]
        # The same day as the newest, before and after it by reference; one in between;
        # one in a new year and subject.
        publish(session, dated("01.FOI.24.000009", date(2024, 5, 1), "Finance", "Cars bought"))
        publish(session, dated("01.FOI.24.000012", date(2024, 4, 1), "Vehicles", "Vans"))
        publish(session, dated("01.FOI.24.000020", date(2024, 5, 1), "Vehicles", "Cars sold"))
        publish(session, dated("01.FOI.23.000001", date(2023, 12, 1), "Drones", "Drones"))
        after = search_log(session, LogQuery())
        assert [h.reference for h in after.hits] == [
            "01.FOI.24.000020",
            "01.FOI.24.000010",
            "01.FOI.24.000009",
            "01.FOI.24.000012",
            "01.FOI.24.000011",
            "01.FOI.23.000001",
        ]
        assert [(f.value, f.count) for f in after.years] == [("2024", 5), ("2023", 1)]
        assert [(f.value, f.count) for f in after.subjects] == [
            ("Custody", 1),
            ("Drones", 1),
            ("Finance", 1),
            ("Vehicles", 3),
        ]
        may = search_log(session, LogQuery(year=2024, month=5, subject="Vehicles"))
        assert [h.reference for h in may.hits] == ["01.FOI.24.000020", "01.FOI.24.000010"]
        cars = search_log(session, LogQuery(q="cars"))
        assert cars.total == 3
        assert {h.reference for h in cars.hits} == {
            "01.FOI.24.000020",
            "01.FOI.24.000010",
            "01.FOI.24.000009",
        }
