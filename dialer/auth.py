"""Workstation token authentication and the per-token rate limit of the machine API."""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from ninja.security import APIKeyHeader, HttpBearer

from dialer import services
from dialer.models import WorkstationToken
from dialer.redis_client import shared_client

WINDOW_SECONDS = 3600


class RateLimited(Exception):
    def __init__(self, retry_after: int):
        super().__init__(f"rate limit of {settings.DIALER_RATE_LIMIT_PER_HOUR} requests per hour reached")
        self.retry_after = retry_after


def rate_limit_check(token: WorkstationToken, now: float | None = None) -> None:
    """Count one request of ``token`` in the current clock hour; ``RateLimited`` past the limit.

    A fixed window counted with the cache's atomic ``incr`` (shared by every process when the
    cache is Redis): one cache round trip a request, where a sliding log would store every
    request's time. A long-poll is one request however long it waits.
    """
    limit = settings.DIALER_RATE_LIMIT_PER_HOUR
    if limit <= 0:
        return
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    count = _count(f"dialer:rate:{token.pk}:{window}", timeout=WINDOW_SECONDS + 60)
    if count > limit:
        raise RateLimited(retry_after=max(1, math.ceil((window + 1) * WINDOW_SECONDS - now)))


def _count(key: str, timeout: int) -> int:
    """Add one to ``key`` and answer the new count. On Redis one round trip on a shared
    connection (INCR and EXPIRE in a pipeline); elsewhere the cache API's add + incr."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        client = shared_client(backend)
        full_key = backend.make_and_validate_key(key)
        pipe = client.pipeline()
        pipe.incr(full_key)
        pipe.expire(full_key, timeout)
        return int(pipe.execute()[0])
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=timeout)
        return 1


def _authenticate(request, secret: str) -> WorkstationToken | None:
    token = services.token_authenticate(secret=secret)
    if token is None:
        return None
    rate_limit_check(token)
    request.user = token.user  # the API acts as the token's user, as a session would
    return token


class BearerToken(HttpBearer):
    """``Authorization: Bearer <token>`` (what the dialer agent sends)."""

    def authenticate(self, request, token):
        return _authenticate(request, token)


class ApiKeyToken(APIKeyHeader):
    """``X-API-Key: <token>``, for tools that cannot set a bearer header."""

    param_name = "X-API-Key"

    def authenticate(self, request, key):
        return _authenticate(request, key) if key else None


workstation_auth = [BearerToken(), ApiKeyToken()]
