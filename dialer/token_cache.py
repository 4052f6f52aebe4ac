"""The machine API's workstation tokens, kept in the cache with their users for a minute.

Every request of a workstation is authenticated, and 500 workstations at 50 calls a second make
hundreds of requests a second: reading the token and its user from PostgreSQL was about a
quarter of the API's CPU (docs/benchmarks.md, the dialer). The cache keeps the token row, with
its user (whom the API acts as), under the token's non-secret prefix; the secret is still checked
against the stored hash on every request, and a token is never cached as "not found".

Saving or deleting a token (revoking it) or its user (deactivating them, a new supervisor)
removes the entries at once and again when the transaction commits, for every server process
since they share the cache (Redis in production). A change that bypasses ``save()`` (a queryset
``update()``) shows within TTL_SECONDS. The token's last-seen time is not kept here: it is written
at most every 15 s per process (``services.token_touch``). On Redis, the entry is read in the same
round trip as the rate limit's count.
"""

from __future__ import annotations

import pickle

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import transaction

from core.queries import one_or_none
from dialer.models import WorkstationToken
from dialer.redis_client import shared_client

TTL_SECONDS = 60


GONE = "gone"  # in place of a token just changed, for GONE_SECONDS: nobody may cache its old row
GONE_SECONDS = 10


def _key(prefix: str) -> str:
    return f"dialer:token:{prefix}"


def _load(prefix: str, keep: bool = True) -> WorkstationToken | None:
    token = one_or_none(WorkstationToken.objects.select_related("user").filter(prefix=prefix))
    if token is not None and keep:
        # add, not set: a token changed meanwhile left GONE there, and its old row stays out.
        cache.add(_key(prefix), token, TTL_SECONDS)
    return token


def _found(prefix: str, cached) -> WorkstationToken | None:
    if cached is None:
        return _load(prefix)
    if isinstance(cached, str):  # GONE: read the row, keep nothing until it has settled
        return _load(prefix, keep=False)
    return cached


def forget(prefixes) -> None:
    """The API reads these tokens from the database again. Called when they change, and again
    when the change commits: a request reading the old row in between cannot cache it, as GONE
    holds the place meanwhile."""
    tombstones = {_key(prefix): GONE for prefix in prefixes}
    if tombstones:
        cache.set_many(tombstones, GONE_SECONDS)
        transaction.on_commit(lambda: cache.set_many(tombstones, GONE_SECONDS))


def get(prefix: str) -> WorkstationToken | None:
    """The token with this prefix (revoked or not: the caller decides), from the cache or the
    database; None when there is none."""
    return _found(prefix, cache.get(_key(prefix)))


def get_and_count(prefix: str, counter: str, timeout: int) -> tuple[WorkstationToken | None, int]:
    """The token with this prefix as ``get`` finds it, and ``counter`` plus one (it expires
    ``timeout`` seconds after its last count). On Redis both in one round trip."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return get(prefix), _count_in_cache(counter, timeout)
    client = shared_client(backend)
    count_key = backend.make_and_validate_key(counter)
    pipe = client.pipeline(transaction=False)
    pipe.get(backend.make_and_validate_key(_key(prefix)))
    pipe.incr(count_key)
    pipe.expire(count_key, timeout)
    cached, count, _ = pipe.execute()
    cached = pickle.loads(cached) if cached is not None else None  # noqa: S301 (the cache's own pickle)
    return _found(prefix, cached), int(count)


def token_saved(sender, instance: WorkstationToken, created: bool = False, **kwargs) -> None:
    if not created:  # a new token was never cached
        forget([instance.prefix])


def user_saved(sender, instance, update_fields=None, **kwargs) -> None:
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return  # a sign-in: nothing the API uses
    forget(WorkstationToken.objects.filter(user_id=instance.pk).values_list("prefix", flat=True))


def _count_in_cache(key: str, timeout: int) -> int:
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=timeout)
        return 1
