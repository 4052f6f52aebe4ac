"""The workstations' machine API on a Django handler of its own, with a short middleware chain.

Every sync middleware of the site's chain (and every sync ``process_view``: CSRF, the login
requirement) costs an API request two hand-offs between the event loop and a thread, about ten in
all. Under 500 workstations the event loop's thread then spent its time handing the GIL back and
forth with the request threads, and requests queued for seconds while the CPU was not full
(docs/benchmarks.md, the dialer). The operations the dialer agents call authenticate with their
token and use no session, CSRF cookie, messages or login redirect, so they are served with only
the security and common middlewares: a sync operation makes one hand-off, and a waiting long-poll
holds no thread. Everything else under ``/api/`` (the OpenAPI docs, which need a signed-in user)
and the whole site keep the full chain.
"""

from __future__ import annotations

from django.conf import settings
from django.core.handlers.asgi import ASGIHandler

MACHINE_API_PREFIXES = ("/api/dialer/", "/api/calls/")
MACHINE_API_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]


class MachineApiHandler(ASGIHandler):
    """Django's ASGI handler, its middleware chain built from MACHINE_API_MIDDLEWARE."""

    def load_middleware(self, is_async: bool = False) -> None:
        # Django builds the chain from settings.MIDDLEWARE; it is swapped for the build only
        # (once, when the server process starts).
        site_chain = settings.MIDDLEWARE
        settings.MIDDLEWARE = MACHINE_API_MIDDLEWARE
        try:
            super().load_middleware(is_async=is_async)
        finally:
            settings.MIDDLEWARE = site_chain


class MachineApiRouter:
    """HTTP requests for the machine API's operations to ``api``, every other one to ``site``."""

    def __init__(self, site, api) -> None:
        self.site, self.api = site, api

    async def __call__(self, scope, receive, send) -> None:
        app = self.api if scope["type"] == "http" and scope["path"].startswith(MACHINE_API_PREFIXES) else self.site
        await app(scope, receive, send)
