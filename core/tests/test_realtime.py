"""core.realtime: how events leave a request of the ASGI server (handed to the event loop, the
request's thread goes on) and everything else (sent before send_now returns)."""

import asyncio
import threading

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from core import realtime


async def _receive_all(layer, channel, n):
    return [await asyncio.wait_for(layer.receive(channel), 2) for _ in range(n)]


@pytest.mark.asyncio
async def test_from_a_request_thread_events_go_through_the_loop_in_order():
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add("user.71", channel)
    sent_from = []

    def request_code():  # what a sync view or service does on a request's thread
        sent_from.append(threading.get_ident())
        for n in range(5):
            realtime.send_now("user.71", "call.tick", {"n": n})

    await sync_to_async(request_code)()
    messages = await _receive_all(layer, channel, 5)
    assert [m["payload"]["n"] for m in messages] == [0, 1, 2, 3, 4]
    assert {m["event"] for m in messages} == {"call.tick"} and messages[0]["type"] == realtime.MESSAGE_TYPE
    assert sent_from[0] != threading.get_ident()
    assert asyncio.get_running_loop() in realtime._Outbox._by_loop


@pytest.mark.asyncio
async def test_one_group_failing_does_not_stop_the_others(caplog):
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add("team.9", channel)

    def request_code():
        realtime.send_now("bad group name with spaces", "x", {})  # the layer refuses this name
        realtime.send_now("team.9", "dialer.metrics", {"ok": True})

    await sync_to_async(request_code)()
    [message] = await _receive_all(layer, channel, 1)
    assert message["payload"] == {"ok": True}
    assert "could not send x" in caplog.text


def test_outside_the_server_the_event_is_sent_before_send_now_returns(listen):
    receive = listen("user.72")
    realtime.send_now("user.72", "notification.new", {"id": 1})
    assert receive()["payload"] == {"id": 1}
    assert realtime._server_loop() is None
