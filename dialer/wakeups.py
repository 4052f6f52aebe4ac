"""Wake-ups for the waiting long-polls of one server process (``GET /api/dialer/next``).

Every process has one channel of the channel layer and one task receiving on it, whatever the
number of waiting polls. A poll joins its user's group (``dialer.<user_id>``) with that channel
and waits on an asyncio event; the receiver sets the events of the message's user. The first
version gave each poll a channel and a ``receive()`` of its own: with Redis, 250 polls per process
then queued on channels_redis' one receive lock, and a poll ending mid-receive cancelled a blocking
Redis read and its connection. With 500 workstations at 50 calls a second a wake-up took seconds
(bench/bench_dialer.py); with one receiver it takes milliseconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections.abc import AsyncIterator

from channels.layers import get_channel_layer

from dialer.services import dialer_group

logger = logging.getLogger(__name__)
STOP = "dialer.wakeups.stop"  # a message to the receiver's own channel: return, no read cut short


class Wakeups:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._channel: str | None = None
        self._task: asyncio.Task | None = None
        self._starting: asyncio.Lock | None = None
        self._waiters: dict[int, set[asyncio.Event]] = {}
        self._user_locks: dict[int, asyncio.Lock] = {}

    async def _receiver_channel(self, layer) -> str:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a new event loop (a new server, or each test): start afresh
            self._loop, self._channel, self._task = loop, None, None
            self._starting, self._waiters, self._user_locks = asyncio.Lock(), {}, {}
        async with self._starting:
            if self._task is None or self._task.done():
                self._channel = await layer.new_channel()
                # A context of its own: the task outlives the request that started it.
                self._task = loop.create_task(self._receive(layer, self._channel), context=contextvars.Context())
        return self._channel

    async def _receive(self, layer, channel: str) -> None:
        while True:
            try:
                message = await layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis gone for a moment: the polls' re-check covers the gap
                logger.exception("dialer: receiving long-poll wake-ups failed; retrying")
                await asyncio.sleep(0.2)
                continue
            if message.get("type") == STOP:
                return
            user_id = (message.get("payload") or {}).get("user_id")
            for event in self._waiters.get(user_id, ()):
                event.set()

    async def stop(self) -> None:
        """End this loop's receiver (tests; a server stopping). It is sent a message of its own
        rather than cancelled: cancelling a blocking Redis read can leave the layer's receive lock
        and connection in use, and the event loop then never finishes closing."""
        task, channel = self._task, self._channel
        if task is None or task.done() or self._loop is not asyncio.get_running_loop():
            return
        await get_channel_layer().send(channel, {"type": STOP})
        await asyncio.wait({task}, timeout=5)
        if not task.done():
            task.cancel()
        self._task = None

    @contextlib.asynccontextmanager
    async def waiting(self, user_id: int) -> AsyncIterator[asyncio.Event | None]:
        """An event set whenever ``user_id``'s group is woken, subscribed before it is given;
        None when there is no channel layer (the poll then only re-checks)."""
        layer = get_channel_layer()
        if layer is None:
            yield None
            return
        channel = await self._receiver_channel(layer)
        event = asyncio.Event()
        lock = self._user_locks.setdefault(user_id, asyncio.Lock())
        # Per user, joining and leaving the group are serialised: a poll that ends must not take
        # the process' channel out of the group after the user's next poll put it back in.
        async with lock:
            if not self._waiters.get(user_id):
                await layer.group_add(dialer_group(user_id), channel)
            self._waiters.setdefault(user_id, set()).add(event)
        try:
            yield event
        finally:
            async with lock:
                waiters = self._waiters.get(user_id, set())
                waiters.discard(event)
                if not waiters:
                    self._waiters.pop(user_id, None)
                    await layer.group_discard(dialer_group(user_id), channel)


wakeups = Wakeups()
