"""crm.asgi_api: the dialer agents' operations are served by a Django handler with a short
middleware chain (one hand-off per request under 500 workstations); the rest of the site and the
API's docs keep the full chain."""

import pytest
from asgiref.testing import ApplicationCommunicator
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler

from crm.asgi_api import MachineApiHandler, MachineApiRouter
from dialer import services

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


def scope(path, secret=None):
    headers = [(b"host", b"testserver")]
    if secret:
        headers.append((b"authorization", f"Bearer {secret}".encode()))
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }


async def get(app, path, secret=None):
    talk = ApplicationCommunicator(app, scope(path, secret))
    await talk.send_input({"type": "http.request", "body": b""})
    start = await talk.receive_output(5)
    body = await talk.receive_output(5)
    await talk.wait(5)
    return start["status"], dict(start["headers"]), body["body"]


async def test_a_ping_is_served_with_the_short_chain_only(agente):
    from asgiref.sync import sync_to_async

    secret = (await sync_to_async(services.token_create)(user=agente, name="PC-01")).secret
    site_chain = list(settings.MIDDLEWARE)
    handler = MachineApiHandler()
    assert site_chain == settings.MIDDLEWARE  # swapped only while the chain was built
    # No process_view hook (CSRF, login required): each would be a hand-off to a thread and back.
    assert handler._view_middleware == [] and ASGIHandler()._view_middleware != []
    status, headers, body = await get(handler, "/api/dialer/ping", secret)
    assert status == 200 and b'"username": "agente"' in body
    assert b"x-frame-options" not in headers and b"vary" not in headers  # no clickjacking, no session
    status, _, body = await get(handler, "/api/dialer/ping")
    assert status == 401 and b"unknown or revoked" in body


async def test_the_router_sends_only_the_agents_operations_to_the_short_chain():
    seen = []

    def app(name):
        async def _app(scope, receive, send):
            seen.append((name, scope["path"]))

        return _app

    router = MachineApiRouter(site=app("site"), api=app("api"))
    for path in ("/api/dialer/next", "/api/calls/start", "/api/docs", "/api/openapi.json", "/cartera/"):
        await router({"type": "http", "path": path}, None, None)
    await router({"type": "websocket", "path": "/api/dialer/x"}, None, None)
    assert seen == [
        ("api", "/api/dialer/next"),
        ("api", "/api/calls/start"),
        ("site", "/api/docs"),
        ("site", "/api/openapi.json"),
        ("site", "/cartera/"),
        ("site", "/api/dialer/x"),
    ]
