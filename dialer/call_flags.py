"""Whether a user may have a call in progress, kept in the cache. The top bar's call widget is
drawn on every page, and reading the call log for it cost every page one query.

One key a user, in one of these states:

* ``idle``: the call log was read and had no call running; the widget skips its query.
* ``call``: a call started (written when its start commits, kept while the call may count as
  running): the widget reads the log.
* ``ended``: a call ended; the widget reads the log (another call of the user may still run).
* no key (a cleared or restarted cache, an evicted key) or a cache that does not answer: the
  widget reads the log, and stores ``idle`` when it found no call.

So the flag can save the query but not hide a call: ``idle`` is stored only by a page that has
just read the log, only with ``add`` (never over ``call`` or ``ended``), and every start
overwrites it. ``ended`` is held ENDED_SECONDS so that a page that read the log before a start
committed cannot store ``idle`` once that call's end has replaced its ``call``. ``idle`` expires
after IDLE_SECONDS anyway, which bounds what a flag write lost to a cache outage, or a call
edited in Django admin, can hide.

With Redis (production) every process shares the flags, read through one client a process. The
local-memory cache is per process, like the in-memory channel layer: right for the embedded
default, which has one web process.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import transaction
from django.utils import timezone

from dialer.redis_client import shared_client

logger = logging.getLogger(__name__)

IDLE = "idle"
RUNNING = "call"
ENDED = "ended"
UNREADABLE = "unreadable"  # what ``read`` answers when the cache fails: read the log, store nothing

# At most one call-log read per user this often while no call runs.
IDLE_SECONDS = 300
# Far longer than a page takes from reading the log to storing ``idle``.
ENDED_SECONDS = 60
# A running call's flag outlives the moment the call stops counting as running by this much.
RUNNING_SLACK = timedelta(minutes=1)


def _key(user_id: int) -> str:
    return f"dialer:call-flag:v1:{user_id}"


def _redis():
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        return backend, shared_client(backend)
    return None, None


def read(user_id: int) -> str | None:
    """The user's flag: IDLE, RUNNING, ENDED, None (no key) or UNREADABLE."""
    try:
        backend, client = _redis()
        if client is None:
            return cache.get(_key(user_id))
        value = client.get(backend.make_and_validate_key(_key(user_id)))
        return value.decode() if value is not None else None
    except Exception as exc:  # a cache outage costs the page its query, never the page
        logger.warning("call flag: cache unreadable (%s)", exc)
        return UNREADABLE


def _write(user_id: int, value: str, seconds: int, *, only_if_missing: bool = False) -> None:
    try:
        backend, client = _redis()
        if client is None:
            if only_if_missing:
                cache.add(_key(user_id), value, timeout=seconds)
            else:
                cache.set(_key(user_id), value, timeout=seconds)
            return
        client.set(backend.make_and_validate_key(_key(user_id)), value, ex=seconds, nx=only_if_missing)
    except Exception:  # the write that changed the call is committed; pages fall back to the log
        logger.exception("call flag: could not store %s for user %s", value, user_id)


def note_idle(user_id: int) -> None:
    """The call log, just read, had no call of the user running (a page's read, after a missing key)."""
    _write(user_id, IDLE, IDLE_SECONDS, only_if_missing=True)


def running_on_commit(user_id: int, *, running_until: datetime) -> None:
    """A call of the user started; it counts as running until ``running_until`` at most.
    Stored when the transaction commits: a rolled-back start never sets it."""

    def store():
        seconds = int((running_until + RUNNING_SLACK - timezone.now()).total_seconds())
        if seconds > 0:
            _write(user_id, RUNNING, seconds)

    transaction.on_commit(store)


def ended_on_commit(user_id: int) -> None:
    """A call of the user ended. Stored when the transaction commits."""
    transaction.on_commit(lambda: _write(user_id, ENDED, ENDED_SECONDS))
