"""What searches of the disclosure log keep between requests, and when it stops counting.

The contract:

- Every entry is keyed by the log it was read from (the database's address and the log's
  version) and by the normalised query it answers.
- The log's version is the number in ``web_log_version``, which the database itself
  sets to a new number, in the same transaction, with every insert, update and delete
  on ``web_responses`` (triggers of migrations web_0009 to web_0011): every
  publication, republication, withdrawal and edit, whoever makes it (the app, the
  command line, another process or a hand-written statement). Nothing in Python has to
  remember to invalidate anything. A version never comes round again, even after a
  change is rolled back that a search inside its transaction saw: on PostgreSQL it is
  the next number of a sequence (never rolled back), on SQLite 62 random bits.
- A search reads the version before anything else, so an entry holds the log as it was
  at its version or later, never earlier. The first search after a change finds no
  entry under the new version and reads the database; a response published a moment
  ago appears, and a withdrawn one is gone, in the very next search.
- The LRU is bounded by memory, not by a count of entries: each entry reports an
  estimate of the bytes it holds (``Kept.nbytes``, plus ``KEY_BYTES`` for its key), and
  the least recently used leave once the estimates add up to more than ``MAX_BYTES``.
  An entry bigger than that is not kept at all.
- Entries under other versions are never read again; they leave the LRU as others
  arrive, and a log's entries are all dropped as soon as a search sees another version
  of it, so the cache holds one version's worth of each.
- The version is only as good as the triggers that set it: ``check_log_triggers``
  refuses a log that lacks any of ``LOG_TRIGGERS`` (and the app checks at start), so a
  rebuilt table that lost them is found before a search is served from a stale entry.
- Thread-safe: one lock guards the LRU and is never held while the database is read, so
  two threads may compute the same entry at once (both correct; the last one is kept).
  Entries are immutable (tuples and frozen dataclasses) and shared between threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Protocol, TypeVar

from cachetools import LRUCache
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from foidesk.db import SchemaNotCurrent

# Per process. A set of counts for words in every response of ten years of 30 subjects
# is about 40 kB and a page of 20 hits about 15 kB, so this holds some hundreds of the
# broadest searches, or thousands of ordinary ones, between two publications.
MAX_BYTES = 32 * 1024 * 1024
# What an entry's key and the LRU's own bookkeeping for it hold: a tuple of the version
# and the query, whose words are at most 200 characters.
KEY_BYTES = 1024

# The triggers on ``web_responses`` that a search relies on, by dialect: those that set
# the log's version (web_0009 to web_0011) and, on SQLite, those that keep the FTS5
# index in step (web_0001). PostgreSQL's search columns are generated, not triggered.
LOG_TRIGGERS = {
    "sqlite": (
        "web_log_version_insert",
        "web_log_version_update",
        "web_log_version_delete",
        "web_responses_fts_insert",
        "web_responses_fts_update",
        "web_responses_fts_delete",
    ),
    "postgresql": ("web_log_version_bump",),
}
_TRIGGERS_FOUND = {
    "sqlite": (
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'web_responses'"
    ),
    "postgresql": (
        "SELECT tgname FROM pg_trigger "
        "WHERE tgrelid = 'web_responses'::regclass AND NOT tgisinternal AND tgenabled <> 'D'"
    ),
}


class Kept(Protocol):
    """What can be kept: immutable, and able to say roughly how much memory it holds."""

    @property
    def nbytes(self) -> int: ...


K = TypeVar("K", bound=Kept)
Version = tuple[str, int]


def _estimate(value: Kept) -> int:
    return value.nbytes + KEY_BYTES


_entries: LRUCache[Hashable, Kept] = LRUCache(maxsize=MAX_BYTES, getsizeof=_estimate)
_newest: dict[str, int] = {}
_lock = threading.Lock()


def log_version(session: Session) -> Version:
    """The log ``session`` reads, as (database address, version): read it first."""
    where = session.get_bind().url.render_as_string(hide_password=True)
    version = int(session.execute(text("SELECT version FROM web_log_version")).scalar_one())
    with _lock:
        if _newest.get(where) != version:
            # The log changed: what was kept for its other versions is never read again.
            for key in [k for k in _entries if k[0][0] == where]:  # type: ignore[index]
                del _entries[key]
            _newest[where] = version
    return where, version


def kept(log: Version, key: Hashable, compute: Callable[[], K]) -> K:
    """The value kept for ``key`` in ``log``, computed (outside the lock) if there is none."""
    full = (log, key)
    with _lock:
        found = _entries.get(full)
    if found is not None:
        return found  # type: ignore[return-value]
    value = compute()
    if _estimate(value) <= MAX_BYTES:
        with _lock:
            _entries[full] = value
    return value


def kept_size() -> tuple[int, int]:
    """How many entries are kept, and the estimate of the bytes they hold."""
    with _lock:
        return len(_entries), int(_entries.currsize)


def check_log_triggers(engine: Engine) -> None:
    """Refuse a log without every trigger searches rely on (``SchemaNotCurrent``): without
    them no change would reach the log's version, and searches would never see it."""
    dialect = engine.dialect.name
    with engine.connect() as connection:
        found = {row[0] for row in connection.execute(text(_TRIGGERS_FOUND[dialect]))}
    missing = [name for name in LOG_TRIGGERS[dialect] if name not in found]
    if missing:
        where = engine.url.render_as_string(hide_password=True)
        raise SchemaNotCurrent(
            f"the disclosure log in {where} lacks the trigger(s) {', '.join(missing)} on "
            "web_responses, so searches would never see a change to it: `foidesk db "
            "upgrade` creates them, but a later change to the table (a migration that "
            "rebuilt it, or one made by hand) has dropped or disabled them; create them "
            "again as the web migrations do before serving the log"
        )
