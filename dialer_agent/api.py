"""The CRM's machine API as the agent uses it, over the standard library's urllib.

urllib rather than httpx: the workstation then needs no HTTP package at all, and one request
every few seconds gains nothing from connection pooling. All paths live here, in one place,
for the server side to match.
"""

from __future__ import annotations

import http.client
import json
import logging
import ssl
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode

from dialer_agent import __version__

log = logging.getLogger(__name__)

PING_PATH = "/api/dialer/ping"
NEXT_PATH = "/api/dialer/next"
CALL_START_PATH = "/api/calls/start"
CALL_END_PATH = "/api/calls/end"

USER_AGENT = f"crea-dialer-agent/{__version__}"
# A server that sends no Retry-After with its 429 still gets this much quiet.
DEFAULT_RETRY_AFTER = 30.0


class ApiError(Exception):
    """Base of the API errors; ``status`` is the HTTP status (0 when none came back)."""

    status = 0


class TokenRejected(ApiError):
    """401/403: the token is unknown or revoked. Retrying cannot help."""


class Unavailable(ApiError):
    """The server is unreachable, timed out or answered 5xx (or 408): try again later."""


class RateLimited(Unavailable):
    def __init__(self, message: str, retry_after: float):
        super().__init__(message)
        self.retry_after = retry_after


class Rejected(ApiError):
    """Any other 4xx: this request will never be accepted as it is; ``reason`` says why."""

    def __init__(self, status: int, reason: str):
        super().__init__(f"HTTP {status}: {reason}")
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Response:
    status: int
    body: Any  # parsed JSON, or None for an empty body


def parse_retry_after(value: str | None) -> float:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return DEFAULT_RETRY_AFTER
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER


def _json_object(body: bytes) -> dict | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _reason(body: bytes) -> str:
    data = _json_object(body) or {}
    for key in ("detail", "message", "error"):
        if data.get(key):
            return str(data[key])[:300]
    return body.decode("utf-8", errors="replace").strip()[:300] or "no reason given"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect would turn a POST into a GET and lose its body: report it instead."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class ApiClient:
    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 10,
        verify_tls: bool = True,
        ca_file: str | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        if base_url.startswith("https:"):
            context = ssl.create_default_context(cafile=ca_file)
            if not verify_tls:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            self._opener = urllib.request.build_opener(_NoRedirects, urllib.request.HTTPSHandler(context=context))
        else:
            self._opener = urllib.request.build_opener(_NoRedirects)
        # After a 429 the token's whole budget is spent: the poller and the sender both wait.
        self._quiet_until = 0.0
        self._lock = threading.Lock()

    def quiet_for(self) -> float:
        with self._lock:
            return max(0.0, self._quiet_until - time.monotonic())

    def request(self, method: str, path: str, body: dict | None = None, *, timeout: float | None = None) -> Response:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method)  # noqa: S310 - http(s) only, checked in config
        request.add_header("Authorization", f"Bearer {self.token}")
        request.add_header("Accept", "application/json")
        request.add_header("User-Agent", USER_AGENT)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        quiet = self.quiet_for()
        if quiet:
            raise RateLimited(f"rate limited; quiet for {quiet:.0f} s more", quiet)
        try:
            with self._opener.open(request, timeout=timeout or self.timeout) as reply:
                status, raw = reply.status, reply.read()
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            raise self._error(exc.code, raw, exc.headers) from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:  # refused, DNS, TLS, timeout, reset
            raise Unavailable(f"{method} {path}: {getattr(exc, 'reason', exc)}") from None
        try:
            parsed = json.loads(raw) if raw.strip() else None
        except ValueError:
            raise Unavailable(f"{method} {path}: the answer was not JSON: {raw[:200]!r}") from None
        return Response(status, parsed)

    def _error(self, status: int, raw: bytes, headers) -> ApiError:
        reason = _reason(raw)
        if status in (401, 403):
            error: ApiError = TokenRejected(f"HTTP {status}: the token was refused ({reason})")
        elif status == 429:
            wait = parse_retry_after(headers.get("Retry-After"))
            with self._lock:
                self._quiet_until = max(self._quiet_until, time.monotonic() + wait)
            error = RateLimited(f"HTTP 429: rate limited for {wait:.0f} s", wait)
        elif 300 <= status < 400:
            error = Unavailable(
                f"HTTP {status}: redirected to {headers.get('Location')}; put that address in [server] url"
            )
        elif 400 <= status < 500 and status != 408 and _json_object(raw) is not None:
            # Only the CRM's API answers a JSON reason. Another 4xx (an HTML 404 from a wrong
            # address or a proxy) is a setup problem, and the event must wait, not be dropped.
            return Rejected(status, reason)
        else:
            error = Unavailable(f"HTTP {status}: {reason}")
        error.status = status
        return error

    # The calls the agent makes.

    def ping(self) -> Response:
        return self.request("GET", PING_PATH)

    def next_request(self, wait: float) -> dict | None:
        """The next dial or hang-up request, waiting up to ``wait`` seconds; None if none came."""
        path = f"{NEXT_PATH}?{urlencode({'wait': int(wait)})}"
        # The server holds the request for ``wait`` seconds; the timeout covers that plus the trip.
        response = self.request("GET", path, timeout=wait + self.timeout)
        if response.status == 204 or response.body is None:
            return None
        if not isinstance(response.body, dict):
            raise Unavailable(f"GET {NEXT_PATH}: expected a JSON object, got {response.body!r}")
        return response.body

    def call_start(self, payload: dict) -> Response:
        return self.request("POST", CALL_START_PATH, payload)

    def call_end(self, payload: dict) -> Response:
        return self.request("POST", CALL_END_PATH, payload)
