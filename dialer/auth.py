"""Workstation token authentication and the per-token rate limit of the machine API."""

from __future__ import annotations

import math
import time

from django.conf import settings
from ninja.security import APIKeyHeader, HttpBearer

from dialer import services, token_cache
from dialer.models import WorkstationToken

WINDOW_SECONDS = 3600


class RateLimited(Exception):
    def __init__(self, retry_after: int):
        super().__init__(f"rate limit of {settings.DIALER_RATE_LIMIT_PER_HOUR} requests per hour reached")
        self.retry_after = retry_after


def _authenticate(request, secret: str) -> WorkstationToken | None:
    """The token (and ``request.user`` its user), or None (401); ``RateLimited`` past the limit.

    The rate limit is a fixed window: one count per request in the current clock hour, kept in
    the cache (shared by every process on Redis) under the secret's digest, so that requests
    with a wrong secret never spend a real token's budget. On Redis the count and the token's
    cached row are one round trip (``token_cache.get_and_count``). A long-poll is one request
    however long it waits.
    """
    credentials = services.token_credentials(secret)
    if credentials is None:
        return None
    limit = settings.DIALER_RATE_LIMIT_PER_HOUR
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    if limit > 0:
        counter = f"dialer:rate:{credentials.digest[:32]}:{window}"
        found, count = token_cache.get_and_count(credentials.prefix, counter, timeout=WINDOW_SECONDS + 60)
    else:
        found, count = token_cache.get(credentials.prefix), 0
    token = services.token_verify(credentials=credentials, token=found)
    if token is None:
        return None
    if limit > 0 and count > limit:
        raise RateLimited(retry_after=max(1, math.ceil((window + 1) * WINDOW_SECONDS - now)))
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
