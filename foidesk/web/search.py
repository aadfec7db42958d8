"""Browsing and full-text search of the disclosure log.

SQLite uses the FTS5 index ``web_responses_fts`` (porter stemming, bm25 ranking);
PostgreSQL uses the weighted ``search_vector`` column with ``websearch_to_tsquery``.
Both take the visitor's words as plain words, so no query syntax reaches the database.

A search asks the database for one grouped count of the matching responses by month and
subject (from which the total and every facet follow), one page of rows in order, and
the snippets of that page. The counts and the page are kept until the log changes, by
:mod:`foidesk.web.search_cache`, whose contract says when that is.
"""

from __future__ import annotations

import calendar
import re
import sys
from array import array
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import Date, bindparam, text
from sqlalchemy.orm import Session

from foidesk.web.search_cache import kept, log_version

PER_PAGE = 20
# Above this many matches, results come newest first: ranking every match by relevance
# costs time in proportion to the matches, and words that common rank nothing usefully.
RANK_LIMIT = 2000
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


# Title and reference matches count most, then subject, request text and the letter.
_BM25 = "bm25(web_responses_fts, 10.0, 8.0, 4.0, 2.0, 1.0)"
# The month each response was published in: text 'YYYY-MM' on SQLite, the month's first
# instant on PostgreSQL, where date_trunc costs half what to_char does over every row.
_MONTH = {
    "sqlite": "substr(r.published_on, 1, 7)",
    "postgresql": "date_trunc('month', r.published_on)",
}
_MATCHES = {
    "sqlite": "r.id IN (SELECT rowid FROM web_responses_fts WHERE web_responses_fts MATCH :match)",
    "postgresql": "r.search_vector @@ websearch_to_tsquery('english', :match)",
}
_ROW = "r.id, r.reference, r.title, r.subject, r.published_on, r.decision, r.request_text"
_NEWEST = "r.published_on DESC, r.reference DESC"


@dataclass(frozen=True)
class _Counts:
    """How many matching responses were published in each month, per subject.

    Kept compactly, as a set of counts can hold a row for every month and subject of the
    log: three arrays of machine numbers, one cell each, frozen as bytes.
    """

    # The distinct subjects; cells name them by their place here.
    subjects: tuple[str, ...]
    # year * 12 + month - 1 (unsigned 16 bits), the subject's place and the count
    # (unsigned 32 bits), of each cell.
    months: bytes
    places: bytes
    numbers: bytes

    @classmethod
    def of(cls, cells: list[tuple[int, int, str, int]]) -> _Counts:
        """The counts of (year, month, subject, count) cells."""
        subjects = tuple(sorted({subject for _, _, subject, _ in cells}))
        place = {subject: n for n, subject in enumerate(subjects)}
        return cls(
            subjects,
            array("H", [year * 12 + month - 1 for year, month, _, _ in cells]).tobytes(),
            array("I", [place[subject] for _, _, subject, _ in cells]).tobytes(),
            array("I", [count for _, _, _, count in cells]).tobytes(),
        )

    @property
    def nbytes(self) -> int:
        """The arrays, the subjects' strings and the objects holding them."""
        held = (self, self.subjects, self.months, self.places, self.numbers, *self.subjects)
        return sum(sys.getsizeof(value) for value in held)

    def cells(self) -> Iterator[tuple[int, int, str, int]]:
        """Each cell as (year, month, subject, count)."""
        months = memoryview(self.months).cast("H")
        places = memoryview(self.places).cast("I")
        numbers = memoryview(self.numbers).cast("I")
        for month, place, count in zip(months, places, numbers, strict=True):
            year, month0 = divmod(month, 12)
            yield year, month0 + 1, self.subjects[place], count

    def facets(self, query: LogQuery) -> tuple[int, list[Facet], list[Facet], list[Facet]]:
        """The total shown and the year, month and subject facets; each facet ignores its
        own filter, so a visitor can see what choosing another value would give."""
        years: Counter[int] = Counter()
        months: Counter[int] = Counter()
        subjects: Counter[str] = Counter()
        total = 0
        for year, month, subject, count in self.cells():
            in_subject = not query.subject or subject == query.subject
            in_year = not query.year or year == query.year
            # A month narrows only within a chosen year.
            in_month = in_year and not (query.year and query.month and month != query.month)
            if in_subject:
                years[year] += count
                if query.year and in_year:
                    months[month] += count
            if in_month:
                subjects[subject] += count
                if in_subject:
                    total += count
        return (
            total,
            [Facet(str(y), str(y), years[y]) for y in sorted(years, reverse=True)],
            [Facet(str(m), calendar.month_name[m], months[m]) for m in sorted(months)],
            [Facet(s, s, subjects[s]) for s in sorted(subjects)],
        )


def _counts(session: Session, dialect: str, params: dict[str, Any]) -> _Counts:
    where = f"WHERE {_MATCHES[dialect]} " if "match" in params else ""
    rows = session.execute(
        text(
            f"SELECT {_MONTH[dialect]} AS month, r.subject, count(*) FROM web_responses r "
            f"{where}GROUP BY month, r.subject"
        ),
        params,
    ).all()
    return _Counts.of([(*_year_month(m), str(s), int(n)) for m, s, n in rows])


def _year_month(month: str | datetime) -> tuple[int, int]:
    if isinstance(month, str):
        return int(month[:4]), int(month[5:7])
    return month.year, month.month


def _filters(query: LogQuery) -> tuple[list[str], dict[str, Any]]:
    """SQL conditions on ``r`` for the year, month and subject, as index ranges of days."""
    conditions: list[str] = []
    params: dict[str, Any] = {}
    if query.year:
        if query.month:
            start = date(query.year, query.month, 1)
            end = date(query.year + query.month // 12, query.month % 12 + 1, 1)
        else:
            start, end = date(query.year, 1, 1), date(query.year + 1, 1, 1)
        conditions.append("r.published_on >= :start AND r.published_on < :end")
        params.update(start=start, end=end)
    if query.subject:
        conditions.append("r.subject = :subject")
        params["subject"] = query.subject
    return conditions, params


def _page(session: Session, dialect: str, query: LogQuery, match: str, ranked: bool) -> list[Any]:
    """The rows of the page asked for, best match first if ``ranked``, else newest first."""
    conditions, params = _filters(query)
    params.update(
        limit=query.per_page, offset=(max(1, query.page) - 1) * query.per_page, match=match
    )
    if ranked and dialect == "sqlite":
        source = "web_responses_fts f JOIN web_responses r ON r.id = f.rowid"
        conditions.insert(0, "web_responses_fts MATCH :match")
        order = f"{_BM25}, f.rowid DESC"
    elif ranked:
        # Ranked on the headline fields' small vector (web_0003), matched on the full one.
        source = "web_responses r, websearch_to_tsquery('english', :match) AS tsq"
        conditions.insert(0, "r.search_vector @@ tsq")
        order = f"ts_rank(r.rank_vector, tsq) DESC, {_NEWEST}"
    elif match and dialect == "sqlite":
        # More than RANK_LIMIT match: walking the log newest first and keeping the matches
        # reaches a page sooner than sorting every match (the unary + keeps the planner
        # from starting at the matches instead).
        source = "web_responses r INDEXED BY ix_web_responses_browse"
        conditions.insert(0, "+" + _MATCHES[dialect])
        order = _NEWEST
    else:
        source = "web_responses r"
        if match:
            conditions.insert(0, _MATCHES[dialect])
        order = _NEWEST
    where = f"WHERE {' AND '.join(conditions)} " if conditions else ""
    statement = text(
        f"SELECT {_ROW} FROM {source} {where}ORDER BY {order} LIMIT :limit OFFSET :offset"
    )
    if "start" in params:
        statement = statement.bindparams(
            bindparam("start", type_=Date), bindparam("end", type_=Date)
        )
    return list(session.execute(statement, params))


def _snippets(session: Session, dialect: str, match: str, ids: list[int]) -> dict[int, str]:
    """Marked snippets of the given rows: the request text's if the words are in it, else
    the letter's. Only for the rows shown, as they are costly per row."""
    listed = ", ".join(str(int(i)) for i in ids)
    if dialect == "sqlite":
        statement = (
            "SELECT rowid, "
            "snippet(web_responses_fts, 3, char(2), char(3), ' … ', 32), "
            "snippet(web_responses_fts, 4, char(2), char(3), ' … ', 32) "
            "FROM web_responses_fts WHERE web_responses_fts MATCH :match "
            f"AND rowid IN ({listed})"
        )
    else:
        # The letter's headline only where the request text's has no match in it:
        # headlines of long letters are the costly part, and looking for the marker is
        # cheaper than parsing the request text a second time to test for the words.
        statement = (
            "SELECT r.id, CASE WHEN strpos(h.text, chr(2)) > 0 THEN h.text "
            "ELSE ts_headline('english', r.search_text, tsq, :options) END "
            "FROM web_responses r, websearch_to_tsquery('english', :match) AS tsq, "
            "LATERAL ts_headline('english', r.request_text, tsq, :options) AS h(text) "
            f"WHERE r.id IN ({listed})"
        )
    return {
        row[0]: next((s for s in row[1:] if s and _START in s), "")
        for row in session.execute(text(statement), {"match": match, "options": _HEADLINE})
    }


def _match_text(dialect: str, words: str) -> str:
    """The words as the dialect's search takes them ("" for none)."""
    if dialect == "sqlite":
        return fts5_query(words)
    return " ".join(words.split()[:_MAX_WORDS])


@dataclass(frozen=True)
class _Page:
    """A page of hits as kept between searches."""

    hits: tuple[Hit, ...]

    @property
    def nbytes(self) -> int:
        """The hits, their text (as Python holds it) and their dates."""
        held = sum(
            sys.getsizeof(hit)
            + sys.getsizeof(hit.published_on)
            + sum(
                sys.getsizeof(value)
                for value in (hit.reference, hit.title, hit.subject, hit.decision, hit.snippet)
            )
            for hit in self.hits
        )
        return sys.getsizeof(self) + sys.getsizeof(self.hits) + held


def _hits(session: Session, dialect: str, query: LogQuery, match: str, ranked: bool) -> _Page:
    """The page asked for, each hit with its snippet."""
    rows = _page(session, dialect, query, match, ranked)
    marked = _snippets(session, dialect, match, [row.id for row in rows]) if match and rows else {}
    return _Page(
        tuple(
            Hit(
                reference=row.reference,
                title=row.title,
                subject=row.subject,
                published_on=_as_date(row.published_on),
                decision=row.decision,
                snippet=_snippet(marked[row.id]) if marked.get(row.id) else _lead(row.request_text),
            )
            for row in rows
        )
    )


def search_log(session: Session, query: LogQuery) -> LogPage:
    """One page of the log: best match first when there are words, else newest first.

    When more than ``RANK_LIMIT`` responses match the words and the filters, they come
    newest first instead. The counts by month and subject of the words, and each page,
    are kept until the log changes (:mod:`foidesk.web.search_cache`).
    """
    dialect = session.get_bind().dialect.name
    # Letter case means nothing to either index, so it does not split what is kept.
    match = _match_text(dialect, query.q.lower())
    log = log_version(session)
    if dialect == "postgresql":
        # The planner prices a sequential scan of the log as cheap, not counting the cost
        # of unpacking every row's tsvector, and before fresh statistics it misjudges how
        # many rows match; the indexes are far quicker for both. This transaction only.
        session.execute(text("SET LOCAL enable_seqscan = off"))
    counts = kept(
        log, ("counts", match), lambda: _counts(session, dialect, {"match": match} if match else {})
    )
    total, years, months, subjects = counts.facets(query)
    ranked = bool(match) and total <= RANK_LIMIT
    page = max(1, query.page)
    if (page - 1) * query.per_page >= total:
        # Nothing to show (a subject the log lacks, a page past the last): nothing is
        # read or kept, so made-up filters and pages cannot fill the cache.
        hits: tuple[Hit, ...] = ()
    else:
        hits = kept(
            log,
            ("page", match, query.year, query.month, query.subject, page, query.per_page),
            lambda: _hits(session, dialect, query, match, ranked),
        ).hits
    return LogPage(
        query=query,
        hits=list(hits),
        total=total,
        ranked=ranked,
        years=years,
        months=months,
        subjects=subjects,
    )
