"""The long-poll under ASGI: a new dial request or a hang-up wakes a waiting poll at once."""

import asyncio
import time
import uuid

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from django.db import connections
from django.test import AsyncClient

from dialer import services

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


def elsewhere(function, *args, **kwargs):
    """Run ``function`` on another thread, as another request would. Django's AsyncClient runs
    the sync middleware (WhiteNoise) of a waiting poll on the thread that thread-sensitive
    calls share, so a plain ``sync_to_async`` would wait for the poll to end."""

    def run():
        try:
            return function(*args, **kwargs)
        finally:
            connections.close_all()

    return sync_to_async(run, thread_sensitive=False)()


class Poller:
    def __init__(self, secret):
        self.client = AsyncClient()
        self.headers = {"Authorization": f"Bearer {secret}"}

    def next(self, wait):
        return self.client.get("/api/dialer/next", {"wait": wait}, headers=self.headers)


@pytest_asyncio.fixture(autouse=True)
async def _close_worker_thread_connections():
    yield
    await sync_to_async(connections.close_all)()


async def test_a_waiting_poll_gets_a_new_request_at_once(agente, debtor, settings):
    settings.DIALER_POLL_RECHECK_SECONDS = 30  # only the wake-up can deliver it in time
    secret = await sync_to_async(lambda: services.token_create(user=agente, name="PC-01").secret)()
    client = Poller(secret)
    poll = asyncio.create_task(client.next(20))
    await asyncio.sleep(0.5)
    assert not poll.done()
    started = time.monotonic()
    request = await elsewhere(services.dial_request_create, user=agente, record=debtor, phone="+50688881234")
    response = await asyncio.wait_for(poll, 5)
    assert time.monotonic() - started < 3
    assert response.status_code == 200
    assert response.json()["id"] == request.pk

    # And a hang-up of that request reaches the next poll the same way.
    poll = asyncio.create_task(client.next(20))
    await asyncio.sleep(0.5)
    assert await elsewhere(services.hangup_request, user=agente, dial_request=request) == "requested"
    response = await asyncio.wait_for(poll, 5)
    assert response.json() == {"action": "hangup", "dial_request_id": request.pk}


async def test_without_a_wake_up_the_recheck_finds_it(agente, debtor, settings):
    settings.DIALER_POLL_RECHECK_SECONDS = 0.3
    secret = await sync_to_async(lambda: services.token_create(user=agente, name="PC-01").secret)()
    client = Poller(secret)
    poll = asyncio.create_task(client.next(20))
    await asyncio.sleep(0.3)
    # Made the way another process would, without a shared channel layer: no wake-up is sent.
    from dialer.models import DialRequest

    request = await elsewhere(DialRequest.objects.create, user=agente, phone="+50688881234", dial_string="88881234")
    response = await asyncio.wait_for(poll, 5)
    assert response.json()["id"] == request.pk


@pytest.fixture
def redis_layer(settings):
    """The production channel layer (Redis), when a Redis server is there (CI starts one)."""
    import redis
    from channels.layers import channel_layers

    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("Redis no disponible en 127.0.0.1:6379 (CI lo inicia)")
    settings.DIALER_POLL_RECHECK_SECONDS = 60  # only a wake-up can deliver in time
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [{"address": "redis://127.0.0.1:6379/0", "socket_timeout": 15}],
                "prefix": f"crm-test-{uuid.uuid4().hex[:8]}",
            },
        }
    }
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest_asyncio.fixture
async def stop_receiver():
    """The process' wake-up receiver is stopped inside the test's event loop, before it closes."""
    from dialer.wakeups import wakeups

    yield
    await wakeups.stop()


async def test_with_redis_a_request_wakes_the_waiting_poll(agente, debtor, redis_layer, stop_receiver):
    secret = await sync_to_async(lambda: services.token_create(user=agente, name="PC-01").secret)()
    poll = asyncio.create_task(Poller(secret).next(20))
    await asyncio.sleep(0.5)
    started = time.monotonic()
    request = await elsewhere(services.dial_request_create, user=agente, record=debtor, phone="+50688881234")
    assert (await asyncio.wait_for(poll, 5)).json()["id"] == request.pk
    assert time.monotonic() - started < 3


async def test_with_redis_one_receiver_wakes_each_users_own_polls(agente, agente_b, redis_layer, stop_receiver):
    from core.realtime import send_now
    from dialer.wakeups import wakeups

    async def wake(user):
        await elsewhere(send_now, services.dialer_group(user.pk), "dialer.wake", {"reason": "dial", "user_id": user.pk})

    async with (
        wakeups.waiting(agente.pk) as first,
        wakeups.waiting(agente.pk) as second,
        wakeups.waiting(agente_b.pk) as other,
    ):
        channel = wakeups._channel
        await wake(agente)
        await asyncio.wait_for(asyncio.gather(first.wait(), second.wait()), 3)
        assert not other.is_set()
        # One poll of the agent ends: the other stays subscribed and is still woken.
        async with wakeups.waiting(agente_b.pk):
            pass
        first.clear()
        second.clear()
        await wake(agente_b)
        await asyncio.wait_for(other.wait(), 3)
        assert not first.is_set() and not second.is_set()
    assert wakeups._channel == channel  # one channel for the process, every poll
    assert wakeups._waiters == {}
    async with wakeups.waiting(agente.pk) as again:  # the group was left and is joined again
        await wake(agente)
        await asyncio.wait_for(again.wait(), 3)
