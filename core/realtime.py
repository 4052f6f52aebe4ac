"""The one way events reach screens (ARCHITECTURE.md §6)."""

from __future__ import annotations

import asyncio
import logging
import os
import weakref

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

logger = logging.getLogger(__name__)

# Every consumer handles this one channel-layer message type and forwards ``event`` to the page.
MESSAGE_TYPE = "crm.event"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def team_group(supervisor_id: int) -> str:
    return f"team.{supervisor_id}"


def campaign_group(campaign_id: int) -> str:
    return f"campaign.{campaign_id}"


def _json_safe(payload: dict) -> dict:
    import json

    return json.loads(json.dumps(payload, cls=DjangoJSONEncoder))


def send_now(group: str, event_type: str, payload: dict) -> None:
    """Send at once. From a request of the ASGI server, the message is handed to the server's
    event loop and this thread goes on (``_Outbox``); elsewhere (a management command, the task
    worker, tests) it is sent before this returns."""
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": MESSAGE_TYPE, "event": event_type, "payload": _json_safe(payload)}
    loop = _server_loop()
    if loop is not None:
        loop.call_soon_threadsafe(_Outbox.post, layer, group, message)
        return
    async_to_sync(_send)(layer, group, message)


async def _send(layer, group: str, message: dict) -> None:
    try:
        await layer.group_send(group, message)
    except Exception:  # a realtime hiccup must never break the write that caused it, nor other events
        logger.exception("realtime: could not send %s to %s", message.get("event"), group)


def _server_loop() -> asyncio.AbstractEventLoop | None:
    """The running event loop of the ASGI server this thread runs sync code for, as asgiref
    records it on the thread (for its own ``async_to_sync``); None when there is none."""
    local = SyncToAsync.threadlocal
    if getattr(local, "main_event_loop_pid", None) != os.getpid():
        return None
    loop = getattr(local, "main_event_loop", None)
    return loop if loop is not None and loop.is_running() and not loop.is_closed() else None


class _Outbox:
    """Messages handed over by request threads, sent from the event loop by one task.

    Waiting for each send (``async_to_sync``) cost a request two hand-offs between its thread and
    the event loop per event; under 500 dialer workstations the loop was the bottleneck and every
    call's start and end waited for it (docs/benchmarks.md, the dialer). The task sends what has
    arrived in one batch: groups concurrently, each group's messages in the order they came.
    Only ever touched on its loop's thread.
    """

    _by_loop: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def __init__(self) -> None:
        self.queue: asyncio.Queue = asyncio.Queue()
        self.task = asyncio.get_running_loop().create_task(self._run())

    @classmethod
    def post(cls, layer, group: str, message: dict) -> None:
        loop = asyncio.get_running_loop()
        outbox = cls._by_loop.get(loop)
        if outbox is None or outbox.task.done():
            outbox = cls._by_loop[loop] = cls()
        outbox.queue.put_nowait((layer, group, message))

    async def _run(self) -> None:
        while True:
            batch = [await self.queue.get()]
            while not self.queue.empty():
                batch.append(self.queue.get_nowait())
            by_group: dict[tuple, list] = {}
            for layer, group, message in batch:
                by_group.setdefault((id(layer), group), []).append((layer, group, message))
            await asyncio.gather(*(self._send_in_order(items) for items in by_group.values()))

    @staticmethod
    async def _send_in_order(items: list) -> None:
        for layer, group, message in items:
            await _send(layer, group, message)


def notify_on_commit(group: str, event_type: str, payload: dict) -> None:
    """Send ``event_type`` with ``payload`` to ``group`` once the current transaction commits.

    A rolled-back write never reaches a screen; outside a transaction it is sent at once.
    """
    transaction.on_commit(lambda: send_now(group, event_type, payload))
