"""crm.asgi_threads: HTTP requests run their sync code on reused threads (bench_dialer found the
event loop blocked starting a new thread for every request)."""

import asyncio
import threading

import pytest
from asgiref.sync import sync_to_async

from crm.asgi_threads import ReusedRequestThreads

pytestmark = pytest.mark.asyncio


def app_recording(threads: list, started: asyncio.Event | None = None, release: asyncio.Event | None = None):
    async def app(scope, receive, send):
        # What Django does for a sync view: a thread-sensitive call inside its own context.
        threads.append(await sync_to_async(threading.get_ident)())
        if started is not None:
            started.set()
            await release.wait()

    return app


async def test_requests_one_after_another_reuse_one_thread():
    threads = []
    app = ReusedRequestThreads(app_recording(threads))
    for _ in range(3):
        await app({"type": "http"}, None, None)
    assert len(set(threads)) == 1 and threads[0] != threading.get_ident()
    assert len(app.idle) == 1


async def test_requests_in_flight_at_once_each_have_their_own_thread():
    threads, started, release = [], asyncio.Event(), asyncio.Event()
    app = ReusedRequestThreads(app_recording(threads, started, release))
    first = asyncio.create_task(app({"type": "http"}, None, None))
    await started.wait()
    started.clear()
    second = asyncio.create_task(app({"type": "http"}, None, None))
    await started.wait()
    release.set()
    await asyncio.gather(first, second)
    assert len(set(threads)) == 2 and len(app.idle) == 2


async def test_other_scopes_pass_through_untouched():
    seen = []

    async def app(scope, receive, send):
        seen.append(scope["type"])

    wrapped = ReusedRequestThreads(app)
    await wrapped({"type": "websocket"}, None, None)
    assert seen == ["websocket"] and wrapped.idle == []
