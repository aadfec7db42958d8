"""Browsing and full-text search of the disclosure log.

SQLite uses the FTS5 index ``web_responses_fts`` (porter stemming, bm25 ranking);
PostgreSQL uses the weighted ``search_vector`` column with ``websearch_to_tsquery``.
Both take the visitor's words as plain words, so no query syntax reaches the database.

Totals, facets and newest-first pages come from an outline of the log held in memory:
every response's id, year, month and subject, newest first, read once per log version.
The database is asked only which responses match the words (once per log version and
words), how the matches rank when there are few enough to rank (once per log version,
words and filters), and for the rows and snippets of the page shown.
"""

from __future__ import annotations

import calendar
import itertools
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from markupsafe import Markup, escape
from sqlalchemy import text
from sqlalchemy.orm import Session

PER_PAGE = 20
# Above this many matches, results come newest first: ranking every match by relevance
# costs time in proportion to the matches, and words that common rank nothing usefully.
RANK_LIMIT = 2000
# Matches and rankings are kept for this many searches (each of a few kilobytes).
_CACHE_SIZE = 512
_MAX_WORDS = 16
# Control characters mark matches in snippets: escaping leaves them alone, then they
# become <mark>, so nothing from the text can become markup.
_START, _STOP = "\x02", "\x03"
_HEADLINE = f"StartSel={_START}, StopSel={_STOP}, MaxWords=40, MinWords=20"


@dataclass(frozen=True)
class LogQuery:
    """What a visitor asked the log for: words, a year, month or subject, a page."""

    q: str = ""
    year: int | None = None
    month: int | None = None
    subject: str | None = None
    page: int = 1
    per_page: int = PER_PAGE


@dataclass(frozen=True)
class Hit:
    """One response in a page of results."""

    reference: str
    title: str
    subject: str
    published_on: date
    decision: str
    snippet: Markup


@dataclass(frozen=True)
class Facet:
    """A value to narrow by (a year, month or subject) and how many responses have it."""

    value: str
    label: str
    count: int


@dataclass(frozen=True)
class LogPage:
    """A page of results with the totals and facets to narrow them further."""

    query: LogQuery
    hits: list[Hit]
    total: int
    ranked: bool = False
    years: list[Facet] = field(default_factory=list)
    months: list[Facet] = field(default_factory=list)
    subjects: list[Facet] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.per_page))


def fts5_query(words: str) -> str:
    """The visitor's words as an FTS5 query: each whitespace-separated chunk is a phrase."""
    phrases = []
    for chunk in words.split()[:_MAX_WORDS]:
        tokens = re.findall(r"\w+", chunk)
        if tokens:
            phrases.append('"' + " ".join(tokens) + '"')
    return " ".join(phrases)


def _snippet(marked: str) -> Markup:
    escaped = str(escape(marked))
    return Markup(escaped.replace(_START, "<mark>").replace(_STOP, "</mark>"))


def _lead(request_text: str, words: int = 40) -> Markup:
    parts = request_text.split()
    return escape(" ".join(parts[:words]) + (" …" if len(parts) > words else ""))


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


class _Sql:
    """The statements of one log query that need the database, in one SQL dialect."""

    def __init__(self, dialect: str, query: LogQuery) -> None:
        self.dialect = dialect
        self.params: dict[str, Any] = {}
        if dialect == "sqlite":
            self.match = fts5_query(query.q)
        else:
            self.match = " ".join(query.q.split()[:_MAX_WORDS])
        if self.match:
            self.params["match"] = self.match

    def matching_ids(self) -> str:
        """SQL for the ids of every response that matches the words, as one value.

        One aggregated value rather than a row per id: for a word in every response,
        fetching 10,000 rows one by one costs more than finding them.
        """
        if self.dialect == "sqlite":
            return (
                "SELECT json_group_array(rowid) FROM web_responses_fts "
                "WHERE web_responses_fts MATCH :match"
            )
        return (
            "SELECT array_agg(r.id) FROM web_responses r "
            "WHERE r.search_vector @@ websearch_to_tsquery('english', :match)"
        )

    def ranked(self, narrowed: bool) -> str:
        """SQL for the matching ids best first, ``narrowed`` to those in ``:ids``.

        Only the rows to be shown are ranked, all at once: every page of the same search
        is then a slice of one ranking.
        """
        if self.dialect == "sqlite":
            among = "AND rowid IN (SELECT value FROM json_each(:ids)) " if narrowed else ""
            return (
                "SELECT rowid FROM web_responses_fts WHERE web_responses_fts MATCH :match "
                f"{among}ORDER BY {_BM25}, rowid DESC"
            )
        # Ranked on the headline fields' small vector (web_0003), matched on the full one.
        among = "r.id = ANY(:ids)" if narrowed else "r.search_vector @@ tsq"
        return (
            "SELECT r.id FROM web_responses r, websearch_to_tsquery('english', :match) AS tsq "
            f"WHERE {among} "
            "ORDER BY ts_rank(r.rank_vector, tsq) DESC, r.published_on DESC, r.reference DESC"
        )

    def snippets(self, ids: list[int]) -> str:
        """SQL for marked snippets of the given rows' request text and letter."""
        listed = ", ".join(str(int(i)) for i in ids)
        if self.dialect == "sqlite":
            return (
                "SELECT rowid, "
                "snippet(web_responses_fts, 3, char(2), char(3), ' … ', 32), "
                "snippet(web_responses_fts, 4, char(2), char(3), ' … ', 32) "
                "FROM web_responses_fts WHERE web_responses_fts MATCH :match "
                f"AND rowid IN ({listed})"
            )
        # The letter's headline only where the request text's has no match in it:
        # headlines of long letters are the costly part, and looking for the marker is
        # cheaper than parsing the request text a second time to test for the words.
        return (
            "SELECT r.id, CASE WHEN strpos(h.text, chr(2)) > 0 THEN h.text "
            "ELSE ts_headline('english', r.search_text, tsq, :options) END "
            "FROM web_responses r, websearch_to_tsquery('english', :match) AS tsq, "
            "LATERAL ts_headline('english', r.request_text, tsq, :options) AS h(text) "
            f"WHERE r.id IN ({listed})"
        )


# Title and reference matches count most, then subject, request text and the letter.
_BM25 = "bm25(web_responses_fts, 10.0, 8.0, 4.0, 2.0, 1.0)"
# Each response's id, day (as the number yyyymmdd) and subject, newest first; all but
# the id come from the browse index (web_0002). The same for the days of given rows.
_DAY = {
    "sqlite": "CAST(replace(r.published_on, '-', '') AS INTEGER)",
    "postgresql": "CAST(to_char(r.published_on, 'YYYYMMDD') AS INTEGER)",
}
_NEWEST = "ORDER BY r.published_on DESC, r.reference DESC"
_WHOLE_LOG = {
    "sqlite": f"FROM web_responses r INDEXED BY ix_web_responses_browse {_NEWEST}",
    "postgresql": f"FROM web_responses r {_NEWEST}",
}
_DAYS_OF_NEW = (
    "FROM web_responses r WHERE r.published_on IN "
    f"(SELECT n.published_on FROM web_responses n WHERE n.id > :last) {_NEWEST}"
)


_serials = itertools.count()


@dataclass(frozen=True)
class _Outline:
    """Every published response's id, day, year, month and subject, newest first.

    Masks over these arrays give any total, facet or newest-first page without asking
    the database: summing a mask of 10,000 rows takes microseconds, where counting the
    same rows in SQL takes milliseconds per search.
    """

    version: tuple[Any, ...]
    # Which outline this is: masks and rankings are kept per outline, so a mask never
    # meets an outline of another length, even one read for the same version of the log.
    serial: int
    ids: np.ndarray
    days: np.ndarray
    subjects: np.ndarray
    subject_names: tuple[str, ...]
    years: np.ndarray
    months: np.ndarray
    # Positions sorted by id, and the ids in that order, to find rows by id.
    by_id: np.ndarray
    sorted_ids: np.ndarray

    @classmethod
    def build(
        cls,
        version: tuple[Any, ...],
        ids: np.ndarray,
        days: np.ndarray,
        subjects: np.ndarray,
        subject_names: tuple[str, ...],
    ) -> _Outline:
        by_id = np.argsort(ids, kind="stable")
        return cls(
            version=version,
            serial=next(_serials),
            ids=ids,
            days=days,
            subjects=subjects,
            subject_names=subject_names,
            years=days // 10000,
            months=days // 100 % 100,
            by_id=by_id,
            sorted_ids=ids[by_id],
        )

    @classmethod
    def read(cls, session: Session, version: tuple[Any, ...]) -> _Outline:
        dialect = session.get_bind().dialect.name
        statement = f"SELECT r.id, {_DAY[dialect]}, r.subject {_WHOLE_LOG[dialect]}"
        ids, days, subjects = _columns(session.execute(text(statement)).all())
        names = tuple(sorted(set(subjects)))
        return cls.build(version, ids, days, _codes(subjects, names), names)

    def extended(self, session: Session, version: tuple[Any, ...]) -> _Outline:
        """This outline with the responses published since, read by the whole day.

        Only a new row's day is read again, so a publication costs a query of a few
        rows rather than reading the whole log; the day's rows come in the log's order.
        """
        dialect = session.get_bind().dialect.name
        statement = f"SELECT r.id, {_DAY[dialect]}, r.subject {_DAYS_OF_NEW}"
        rows = session.execute(text(statement), {"last": self.version[1]}).all()
        ids, days, subjects = _columns(rows)
        names = tuple(sorted(set(self.subject_names) | set(subjects)))
        # The kept rows' subjects renumbered for the new list of names, without strings.
        renumbered = _codes(list(self.subject_names), names)
        kept = ~np.isin(self.days, days)
        merged_days = np.concatenate([self.days[kept], days])
        # Each day's rows come from one side only, so a stable sort by day keeps their order.
        order = np.argsort(-merged_days, kind="stable")
        return _Outline.build(
            version,
            np.concatenate([self.ids[kept], ids])[order],
            merged_days[order],
            np.concatenate([renumbered[self.subjects[kept]], _codes(subjects, names)])[order],
            names,
        )

    def __len__(self) -> int:
        return len(self.ids)

    def mask(self, ids: list[int]) -> np.ndarray:
        """True at the positions of ``ids``; ids published since the outline was read
        are left out, so counts and pages agree with each other."""
        wanted = np.asarray(ids, dtype=np.int64)
        found = np.zeros(len(self), dtype=bool)
        if len(self) and len(wanted):
            at = np.minimum(np.searchsorted(self.sorted_ids, wanted), len(self) - 1)
            found[self.by_id[at[self.sorted_ids[at] == wanted]]] = True
        return found

    def subject(self, name: str) -> np.ndarray:
        if name not in self.subject_names:
            return np.zeros(len(self), dtype=bool)
        return self.subjects == self.subject_names.index(name)


def _codes(subjects: list[str], names: tuple[str, ...]) -> np.ndarray:
    """Each subject's position in the sorted ``names``."""
    number = {name: n for n, name in enumerate(names)}
    return np.fromiter((number[s] for s in subjects), np.int32, len(subjects))


def _columns(rows: list[Any]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    count = len(rows)
    return (
        np.fromiter((row[0] for row in rows), np.int64, count),
        np.fromiter((row[1] for row in rows), np.int64, count),
        [str(row[2]) for row in rows],
    )


def _log_version(session: Session) -> tuple[Any, ...]:
    """Changes whenever a response is published, republished or withdrawn.

    Publishing inserts a new row; ``publish`` and ``withdraw`` also count each response
    they take off the log in ``web_settings``, because on SQLite a new row may reuse the
    id of one just deleted. Both are single index lookups, unlike counting the rows.
    """
    last, removals = session.execute(
        text(
            "SELECT (SELECT max(id) FROM web_responses), "
            "(SELECT value FROM web_settings WHERE name = 'log_withdrawals')"
        )
    ).one()
    return (str(session.get_bind().url), last, removals)


class _Lru:
    """A small least-recently-used cache shared by the request threads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict[Any, Any] = OrderedDict()
        self.lock = threading.Lock()

    def peek(self, key: Any) -> Any | None:
        with self.lock:
            if key not in self.entries:
                return None
            self.entries.move_to_end(key)
            return self.entries[key]

    def put(self, key: Any, value: Any) -> None:
        with self.lock:
            self.entries[key] = value
            self.entries.move_to_end(key)
            if len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def get(self, key: Any, compute: Callable[[], Any]) -> Any:
        found = self.peek(key)
        if found is not None:
            return found
        # Computed outside the lock: a slow query must not hold up other searches.
        value = compute()
        self.put(key, value)
        return value


# The outline of each database (a few, for the databases a process serves), and which
# of its rows match per words, packed 8 rows a byte.
_outlines = _Lru(4)
_matches = _Lru(_CACHE_SIZE)
# The ranking of the few enough to rank, per outline, words and filters.
_rankings = _Lru(_CACHE_SIZE)


def _outline(session: Session, version: tuple[Any, ...]) -> _Outline:
    """The latest outline of this database, brought up to ``version``."""
    url, last, removals = version
    known = _outlines.peek(url)
    if known is not None and known.version == version:
        return known
    if (
        known is not None
        and known.version[2] == removals
        and known.version[1] is not None
        and last is not None
        and last > known.version[1]
    ):
        # Only publications since: nothing left the log, so the new rows are enough.
        outline = known.extended(session, version)
    else:
        outline = _Outline.read(session, version)
    _outlines.put(url, outline)
    return outline


def _matching(session: Session, sql: _Sql, outline: _Outline) -> np.ndarray:
    ids = session.execute(text(sql.matching_ids()), sql.params).scalar_one()
    # SQLite's aggregate is JSON text; PostgreSQL's array arrives as a list (None if empty).
    found = json.loads(ids) if isinstance(ids, str) else ids or []
    return np.packbits(outline.mask(found))


def _ranking(
    session: Session, sql: _Sql, outline: _Outline, shown: np.ndarray | None
) -> np.ndarray:
    """The ids of the matching responses best first, only those ``shown`` if given."""
    params = dict(sql.params)
    if shown is not None:
        ids = outline.ids[shown].tolist()
        params["ids"] = json.dumps(ids) if sql.dialect == "sqlite" else ids
    statement = text(sql.ranked(narrowed=shown is not None))
    return np.fromiter(session.execute(statement, params).scalars(), np.int64)


def _facets(
    outline: _Outline, matched: np.ndarray, query: LogQuery
) -> tuple[np.ndarray, list[Facet], list[Facet], list[Facet]]:
    """The rows to show, and the year, month and subject facets; each facet ignores its
    own filter, so a visitor can see what choosing another value would give."""
    anything = np.ones(len(outline), dtype=bool)
    in_subject = outline.subject(query.subject) if query.subject else anything
    in_year = outline.years == query.year if query.year else anything
    # A month narrows only within a chosen year.
    in_month = in_year & (outline.months == query.month) if query.year and query.month else in_year
    shown = matched & in_month & in_subject
    years, year_counts = np.unique(outline.years[matched & in_subject], return_counts=True)
    months: list[Facet] = []
    if query.year:
        found, counts = np.unique(
            outline.months[matched & in_subject & in_year], return_counts=True
        )
        months = [
            Facet(str(m), calendar.month_name[m], int(n))
            for m, n in zip(found.tolist(), counts.tolist(), strict=True)
        ]
    subject_counts = np.bincount(
        outline.subjects[matched & in_month], minlength=len(outline.subject_names)
    )
    return (
        shown,
        [
            Facet(str(y), str(y), int(n))
            for y, n in zip(years.tolist()[::-1], year_counts.tolist()[::-1], strict=True)
        ],
        months,
        [
            Facet(name, name, int(n))
            for name, n in zip(outline.subject_names, subject_counts.tolist(), strict=True)
            if n
        ],
    )


def search_log(session: Session, query: LogQuery) -> LogPage:
    """One page of the log: best match first when there are words, else newest first.

    When more than ``RANK_LIMIT`` responses match the words and the filters, they come
    newest first instead.
    """
    sql = _Sql(session.get_bind().dialect.name, query)
    if sql.dialect == "postgresql":
        # The planner prices a sequential scan of the log as cheap, not counting the cost
        # of unpacking every row's tsvector, and without fresh statistics it scans the
        # whole log for the few rows published since the outline was read; the indexes
        # are far quicker for both. For this transaction only.
        session.execute(text("SET LOCAL enable_seqscan = off"))
    version = _log_version(session)
    outline = _outline(session, version)
    if sql.match:
        packed = _matches.get((outline.serial, sql.match), lambda: _matching(session, sql, outline))
        matched = np.unpackbits(packed, count=len(outline)).astype(bool)
    else:
        matched = np.ones(len(outline), dtype=bool)
    shown, years, months, subjects = _facets(outline, matched, query)
    total = int(np.count_nonzero(shown))
    offset = (max(1, query.page) - 1) * query.per_page
    ranked = bool(sql.match) and total <= RANK_LIMIT
    if not total:
        ids: list[int] = []
    elif ranked:
        filters = (query.year, query.month if query.year else None, query.subject)
        ranking = _rankings.get(
            (outline.serial, sql.match, filters),
            lambda: _ranking(session, sql, outline, shown if any(filters) else None),
        )
        ids = ranking[offset : offset + query.per_page].tolist()
    else:
        # Newest first straight from the outline: no query, however many match.
        positions = np.flatnonzero(shown)[offset : offset + query.per_page]
        ids = outline.ids[positions].tolist()
    rows: dict[int, Any] = {}
    marked: dict[int, str] = {}
    if ids:
        listed = ", ".join(str(int(i)) for i in ids)
        rows = {
            row.id: row
            for row in session.execute(
                text(
                    "SELECT r.id, r.reference, r.title, r.subject, r.published_on, r.decision, "
                    f"r.request_text FROM web_responses r WHERE r.id IN ({listed})"
                )
            )
        }
        if sql.match:
            # Snippets only for the rows on this page: they are costly per row.
            # The request text's snippet if the words are in it, else the letter's.
            marked = {
                row[0]: next((s for s in row[1:] if s and _START in s), "")
                for row in session.execute(
                    text(sql.snippets(ids)), {"match": sql.match, "options": _HEADLINE}
                )
            }
    hits = [
        Hit(
            reference=rows[i].reference,
            title=rows[i].title,
            subject=rows[i].subject,
            published_on=_as_date(rows[i].published_on),
            decision=rows[i].decision,
            snippet=_snippet(marked[i]) if marked.get(i) else _lead(rows[i].request_text),
        )
        # A response withdrawn since the outline was read is left out.
        for i in ids
        if i in rows
    ]
    return LogPage(
        query=query,
        hits=hits,
        total=total,
        ranked=ranked,
        years=years,
        months=months,
        subjects=subjects,
    )
