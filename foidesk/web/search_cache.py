"""What searches of the disclosure log keep between requests, and when it stops counting.

The contract:

- Every entry is keyed by the log it was read from (the database's address and the log's
  version) and by the normalised query it answers.
- The log's version is the number in ``web_log_version``, which the database itself
  sets to a new random number, in the same transaction, with every insert, update and
  delete on ``web_responses`` (triggers of migrations web_0009 and web_0010): every
  publication, republication, withdrawal and edit, whoever makes it (the app, the
  command line, another process or a hand-written statement). Nothing in Python has to
  remember to invalidate anything. Being random, a version never comes round again,
  even after a change is rolled back that a search inside its transaction saw.
- A search reads the version before anything else, so an entry holds the log as it was
  at its version or later, never earlier. The first search after a change finds no
  entry under the new version and reads the database; a response published a moment
  ago appears, and a withdrawn one is gone, in the very next search.
- Entries under other versions are never read again; they leave the LRU (at most
  ``MAX_ENTRIES``) as others arrive, and a log's entries are all dropped as soon as a
  search sees another version of it, so the cache holds one version's worth of each.
- Thread-safe: one lock guards the LRU and is never held while the database is read, so
  two threads may compute the same entry at once (both correct; the last one is kept).
  Entries are immutable (tuples and frozen dataclasses) and shared between threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import TypeVar

from cachetools import LRUCache
from sqlalchemy import text
from sqlalchemy.orm import Session

# Enough for the distinct searches of a busy log between two publications; an entry is
# one page of hits or one set of counts by month and subject (a few thousand numbers).
MAX_ENTRIES = 2048

T = TypeVar("T")
Version = tuple[str, int]

_entries: LRUCache[Hashable, object] = LRUCache(maxsize=MAX_ENTRIES)
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


def kept(log: Version, key: Hashable, compute: Callable[[], T]) -> T:
    """The value kept for ``key`` in ``log``, computed (outside the lock) if there is none."""
    full = (log, key)
    with _lock:
        found = _entries.get(full, _entries)
    if found is not _entries:
        return found  # type: ignore[return-value]
    value = compute()
    with _lock:
        _entries[full] = value
    return value
