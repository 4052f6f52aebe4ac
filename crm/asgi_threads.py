"""Sync code of HTTP requests on reused threads instead of a new thread per request.

Under ASGI, Django runs a request's sync code (the sync-only middleware such as WhiteNoise's,
sync views, the ORM) in a ``ThreadSensitiveContext`` of its own, and asgiref starts a new thread
for each one. ``Thread.start`` blocks the event loop until the new thread runs, which on a busy
machine takes milliseconds: with 500 dialer workstations long-polling, the event loops spent a
quarter of their time starting threads and every request queued behind them
(bench/bench_dialer.py). Here each HTTP request borrows a one-thread executor from a per-process
pool (asgiref's ``ThreadSensitiveContext(executor=…)``, which Django's own context then reuses)
and gives it back when the response is sent. The pool grows to the number of requests in flight
(a waiting long-poll holds one, as it held its own thread before) and keeps its threads.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext


class ReusedRequestThreads:
    def __init__(self, app) -> None:
        self.app = app
        self.idle: list[ThreadPoolExecutor] = []

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        executor = self.idle.pop() if self.idle else ThreadPoolExecutor(1, thread_name_prefix="crm-request")
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.app(scope, receive, send)
        finally:
            self.idle.append(executor)
