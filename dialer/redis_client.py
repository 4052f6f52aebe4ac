"""One Redis client per process for the cache keys read or written on hot paths: the machine
API's rate limit and the call widget's flag on every page.

Django makes a cache object, and with it a connection pool, per thread, and under ASGI each
request runs on a thread of its own: through the cache API every request opened (and
health-checked) a new connection to Redis (docs/benchmarks.md, the dialer's run 5).
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache

_clients: dict[tuple[str, ...], object] = {}


def shared_client(backend: RedisCache):
    """The process's redis-py client for ``backend``'s servers (its primary, as the cache writes)."""
    servers = tuple(backend._servers)
    client = _clients.get(servers)
    if client is None:
        client = _clients.setdefault(servers, backend._cache.get_client(write=True))
    return client
