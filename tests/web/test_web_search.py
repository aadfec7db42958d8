"""Searching the log: what a search counts and shows follows every change to the log."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest

from foidesk.db import open_session
from foidesk.web.log import Publication, publish, withdraw
from foidesk.web.search import LogQuery, search_log


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
        # On SQLite the replacement may take the deleted row's id, so the highest id
        # alone would not show that the log changed.
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
    with open_session(postgres_url):
        pass
    plain = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain) as connection:
        options = connection.execute(
            "SELECT reloptions FROM pg_class WHERE relname = 'ix_web_responses_search'"
        ).fetchone()
        assert options == (["fastupdate=off"],)
