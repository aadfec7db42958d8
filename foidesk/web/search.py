"""Browsing and full-text search of the disclosure log.

SQLite uses the FTS5 index ``web_responses_fts`` (porter stemming, bm25 ranking);
PostgreSQL uses the weighted ``search_vector`` column with ``websearch_to_tsquery``.
Both take the visitor's words as plain words, so no query syntax reaches the database.
"""

from __future__ import annotations

import calendar
import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import text
from sqlalchemy.orm import Session

PER_PAGE = 20
# Above this many matches, results come newest first: ranking every match by relevance
# costs time in proportion to the matches, and words that common rank nothing usefully.
RANK_LIMIT = 2000
# Above this many matches, counts and facets scan the browse index (see _Sql).
WIDE_MATCH = 500
# Counts by year, month and subject kept per log version and words (the log changes
# only when publishing); totals and facets for any filters are summed from them.
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
    """The clauses and parameters of one log query in one SQL dialect.

    On SQLite the text match is a ``rowid IN (... MATCH ...)`` filter, so counts and
    facets never join the FTS table, and bm25 ranking reads the FTS table alone.
    """

    def __init__(self, dialect: str, query: LogQuery) -> None:
        self.dialect = dialect
        self.query = query
        self.params: dict[str, Any] = {}
        if dialect == "sqlite":
            self.match = fts5_query(query.q)
        else:
            self.match = " ".join(query.q.split()[:_MAX_WORDS])
        if self.match:
            self.params["match"] = self.match
        self.table = "web_responses r"

    def read_index_only(self) -> None:
        """For matches of many rows, scan the narrow browse index rather than fetch each
        wide row by id; for few, fetching by id is quicker (SQLite only)."""
        if self.dialect == "sqlite":
            self.table = "web_responses r INDEXED BY ix_web_responses_browse"

    def _day(self, day: date) -> Any:
        return day.isoformat() if self.dialect == "sqlite" else day

    def clauses(self, *, without: str = "", text_match: bool = True) -> list[str]:
        clauses = []
        if self.match and text_match:
            clauses.append(
                "r.id IN (SELECT rowid FROM web_responses_fts WHERE web_responses_fts MATCH :match)"
                if self.dialect == "sqlite"
                else "r.search_vector @@ websearch_to_tsquery('english', :match)"
            )
        q = self.query
        if without == "filters":
            return clauses
        if q.year and without != "year":
            if q.month and without != "month":
                start = date(q.year, q.month, 1)
                end = date(q.year + (q.month == 12), q.month % 12 + 1, 1)
            else:
                start, end = date(q.year, 1, 1), date(q.year + 1, 1, 1)
            clauses.append("r.published_on >= :start AND r.published_on < :end")
            self.params.update(start=self._day(start), end=self._day(end))
        if q.subject and without != "subject":
            clauses.append("r.subject = :subject")
            self.params["subject"] = q.subject
        return clauses

    def where(self, **options: Any) -> str:
        clauses = self.clauses(**options)
        return ("WHERE " + " AND ".join(clauses)) if clauses else ""

    def page_ids(self, *, ranked: bool = True) -> str:
        """SQL for the ids on the requested page: best match first, or newest first."""
        newest = "r.published_on DESC, r.reference DESC"
        if not self.match or not ranked:
            return f"SELECT r.id FROM {self.table} {self.where()} ORDER BY {newest} {_PAGE}"
        if self.dialect != "sqlite":
            # Ranked on the headline fields' small vector (web_0003), matched on the full one.
            rank = "ts_rank(r.rank_vector, websearch_to_tsquery('english', :match)) DESC"
            return (
                f"SELECT r.id FROM web_responses r {self.where()} ORDER BY {rank}, {newest} {_PAGE}"
            )
        filters = self.clauses(text_match=False)
        narrowed = (
            f"AND rowid IN (SELECT r.id FROM web_responses r WHERE {' AND '.join(filters)})"
            if filters
            else ""
        )
        return (
            "SELECT rowid AS id FROM web_responses_fts WHERE web_responses_fts MATCH :match "
            f"{narrowed} ORDER BY {_BM25}, rowid DESC {_PAGE}"
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
        # The letter's headline only where the request text lacks the words: headlines
        # of long letters are the costly part.
        return (
            "SELECT r.id, CASE WHEN to_tsvector('english', r.request_text) @@ tsq "
            "THEN ts_headline('english', r.request_text, tsq, :options) "
            "ELSE ts_headline('english', r.search_text, tsq, :options) END "
            "FROM web_responses r, websearch_to_tsquery('english', :match) AS tsq "
            f"WHERE r.id IN ({listed})"
        )

    def part(self, unit: str) -> str:
        if self.dialect == "sqlite":
            start, length = (1, 4) if unit == "year" else (6, 2)
            return f"CAST(substr(r.published_on, {start}, {length}) AS INTEGER)"
        return f"CAST(extract({unit} FROM r.published_on) AS INTEGER)"


# Title and reference matches count most, then subject, request text and the letter.
_BM25 = "bm25(web_responses_fts, 10.0, 8.0, 4.0, 2.0, 1.0)"
_PAGE = "LIMIT :limit OFFSET :offset"


def _log_version(session: Session) -> tuple[Any, ...]:
    """Changes whenever a response is published, republished or withdrawn.

    Publishing always inserts a new row (a higher id); ``withdraw`` counts itself in
    ``web_settings``. Both are single index lookups, unlike counting the rows.
    """
    last, withdrawals = session.execute(
        text(
            "SELECT (SELECT max(id) FROM web_responses), "
            "(SELECT value FROM web_settings WHERE name = 'log_withdrawals')"
        )
    ).one()
    return (str(session.get_bind().url), last, withdrawals)


_counts: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
# Requests run in a thread pool; the cache is shared by them.
_counts_lock = threading.Lock()


def _cached(key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
    with _counts_lock:
        if key in _counts:
            _counts.move_to_end(key)
            return _counts[key]
    value = compute()
    with _counts_lock:
        _counts[key] = value
        if len(_counts) > _CACHE_SIZE:
            _counts.popitem(last=False)
    return value


def _summary(session: Session, sql: _Sql) -> list[tuple[int, int, str, int]]:
    """Matching responses counted by year, month and subject: one pass gives the total and
    every facet for any combination of filters."""
    year, month = sql.part("year"), sql.part("month")
    where = sql.where(without="filters")
    rows = session.execute(
        text(
            f"SELECT {year}, {month}, r.subject, count(*) FROM {sql.table} {where} "
            f"GROUP BY {year}, {month}, r.subject"
        ),
        sql.params,
    ).all()
    return [(int(y), int(m), str(s), int(n)) for y, m, s, n in rows]


def _facets(
    summary: list[tuple[int, int, str, int]], query: LogQuery
) -> tuple[int, list[Facet], list[Facet], list[Facet]]:
    """The total and the year, month and subject facets; each facet ignores its own filter."""

    def in_year(y: int) -> bool:
        return query.year is None or y == query.year

    def in_month(y: int, m: int) -> bool:
        return in_year(y) and (query.year is None or query.month is None or m == query.month)

    def in_subject(s: str) -> bool:
        return query.subject is None or s == query.subject

    total = sum(n for y, m, s, n in summary if in_month(y, m) and in_subject(s))
    years: Counter[int] = Counter()
    months: Counter[int] = Counter()
    subjects: Counter[str] = Counter()
    for y, m, s, n in summary:
        if in_subject(s):
            years[y] += n
            if query.year is not None and y == query.year:
                months[m] += n
        if in_month(y, m):
            subjects[s] += n
    return (
        total,
        [Facet(str(y), str(y), years[y]) for y in sorted(years, reverse=True)],
        [Facet(str(m), calendar.month_name[m], months[m]) for m in sorted(months)]
        if query.year
        else [],
        [Facet(s, s, subjects[s]) for s in sorted(subjects)],
    )


def search_log(session: Session, query: LogQuery) -> LogPage:
    """One page of the log: best match first when there are words, else newest first.

    When more than ``RANK_LIMIT`` responses match, they come newest first instead.
    """
    sql = _Sql(session.get_bind().dialect.name, query)
    if sql.match and sql.dialect == "postgresql":
        # The planner prices a sequential scan of the log as cheap, not counting the cost
        # of unpacking every row's tsvector; the GIN index is far quicker. For this
        # transaction only.
        session.execute(text("SET LOCAL enable_seqscan = off"))
    version = _log_version(session)
    if sql.match and sql.dialect == "sqlite":
        fts_count = "SELECT count(*) FROM web_responses_fts WHERE web_responses_fts MATCH :match"
        matching = _cached(
            ("matching", version, sql.match),
            lambda: int(session.execute(text(fts_count), sql.params).scalar_one()),
        )
        if matching > WIDE_MATCH:
            sql.read_index_only()
    summary = _cached(("summary", version, sql.match), lambda: _summary(session, sql))
    total, years, months, subjects = _facets(summary, query)
    page = {"limit": query.per_page, "offset": (max(1, query.page) - 1) * query.per_page}
    ranked = total <= RANK_LIMIT
    statement = text(sql.page_ids(ranked=ranked))
    ids = [row[0] for row in session.execute(statement, {**sql.params, **page})]
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
        for i in ids
    ]
    return LogPage(
        query=query,
        hits=hits,
        total=total,
        ranked=bool(sql.match) and ranked,
        years=years,
        months=months,
        subjects=subjects,
    )
