"""Browsing and full-text search of the disclosure log.

SQLite uses the FTS5 index ``web_responses_fts`` (porter stemming, bm25 ranking);
PostgreSQL uses the weighted ``search_vector`` column with ``websearch_to_tsquery``.
Both take the visitor's words as plain words, so no query syntax reaches the database.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import text
from sqlalchemy.orm import Session

PER_PAGE = 20
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
    """The FROM, WHERE and parameters of one log query in one SQL dialect."""

    def __init__(self, dialect: str, query: LogQuery) -> None:
        self.dialect = dialect
        self.params: dict[str, Any] = {}
        self.match: str = ""
        self.source = "web_responses r"
        self.rank = ""
        if dialect == "sqlite":
            self.match = fts5_query(query.q)
            if self.match:
                self.source = (
                    "web_responses_fts JOIN web_responses r ON r.id = web_responses_fts.rowid"
                )
                self.rank = "bm25(web_responses_fts, 10.0, 8.0, 4.0, 2.0, 1.0)"
                self.params["match"] = self.match
        else:
            self.match = " ".join(query.q.split()[:_MAX_WORDS])
            if self.match:
                self.source = "web_responses r, websearch_to_tsquery('english', :match) AS tsq"
                self.rank = "-ts_rank(r.search_vector, tsq)"
                self.params["match"] = self.match
        self.query = query

    def _day(self, day: date) -> Any:
        return day.isoformat() if self.dialect == "sqlite" else day

    def where(self, *, without: str = "") -> str:
        clauses = []
        if self.match:
            clauses.append(
                "web_responses_fts MATCH :match"
                if self.dialect == "sqlite"
                else "r.search_vector @@ tsq"
            )
        q = self.query
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
        return ("WHERE " + " AND ".join(clauses)) if clauses else ""

    def part(self, unit: str) -> str:
        if self.dialect == "sqlite":
            start = 1 if unit == "year" else 6
            return f"CAST(substr(r.published_on, {start}, {4 if unit == 'year' else 2}) AS INTEGER)"
        return f"CAST(extract({unit} FROM r.published_on) AS INTEGER)"


def search_log(session: Session, query: LogQuery) -> LogPage:
    """One page of the log: best match first when there are words, else newest first."""
    sql = _Sql(session.get_bind().dialect.name, query)
    where = sql.where()
    order = ", ".join(
        [*([sql.rank] if sql.rank else []), "r.published_on DESC", "r.reference DESC"]
    )
    if sql.match and sql.dialect == "sqlite":
        snippet = "snippet(web_responses_fts, -1, char(2), char(3), ' … ', 32)"
    else:
        snippet = "NULL"
    params = dict(
        sql.params, limit=query.per_page, offset=(max(1, query.page) - 1) * query.per_page
    )
    rows = session.execute(
        text(
            f"SELECT r.id, r.reference, r.title, r.subject, r.published_on, r.decision, "
            f"r.request_text, {snippet} AS snippet FROM {sql.source} {where} "
            f"ORDER BY {order} LIMIT :limit OFFSET :offset"
        ),
        params,
    ).all()
    headlines: dict[int, str] = {}
    if sql.match and sql.dialect != "sqlite" and rows:
        # Headlines only for the rows on this page: ts_headline is costly per row.
        headlines = dict(
            session.execute(
                text(
                    "SELECT r.id, ts_headline('english', r.request_text, "
                    "websearch_to_tsquery('english', :match), :options) "
                    "FROM web_responses r WHERE r.id = ANY(:ids)"
                ),
                {"match": sql.match, "options": _HEADLINE, "ids": [row.id for row in rows]},
            ).all()
        )
    hits = []
    for row in rows:
        marked = row.snippet or headlines.get(row.id)
        hits.append(
            Hit(
                reference=row.reference,
                title=row.title,
                subject=row.subject,
                published_on=_as_date(row.published_on),
                decision=row.decision,
                snippet=_snippet(marked) if marked else _lead(row.request_text),
            )
        )
    total = session.execute(
        text(f"SELECT count(*) FROM {sql.source} {where}"), sql.params
    ).scalar_one()
    return LogPage(
        query=query,
        hits=hits,
        total=int(total),
        years=_facet(session, sql, "year"),
        months=_facet(session, sql, "month") if query.year else [],
        subjects=_facet(session, sql, "subject"),
    )


def _facet(session: Session, sql: _Sql, unit: str) -> list[Facet]:
    if unit == "subject":
        key, order = "r.subject", "r.subject"
    else:
        key, order = sql.part(unit), f"{sql.part(unit)} DESC" if unit == "year" else sql.part(unit)
    where = sql.where(without=unit)
    rows = session.execute(
        text(
            f"SELECT {key} AS value, count(*) AS n FROM {sql.source} {where} "
            f"GROUP BY {key} ORDER BY {order}"
        ),
        sql.params,
    ).all()
    if unit == "month":
        return [Facet(str(v), calendar.month_name[int(v)], int(n)) for v, n in rows]
    return [Facet(str(v), str(v), int(n)) for v, n in rows]
