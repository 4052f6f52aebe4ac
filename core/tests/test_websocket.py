"""The events socket: session auth, groups, and a notification pushed live — in-memory and Redis."""

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from channels.testing.websocket import WebsocketCommunicator
from django.conf import settings
from django.db import connections
from django.test import Client

from core import services
from crm.asgi import application

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@pytest_asyncio.fixture(autouse=True)
async def _close_worker_thread_connections():
    """Database work of these tests runs in asgiref's worker thread; close its connection so the
    PostgreSQL test database can be dropped at the end of the run."""
    yield
    await sync_to_async(connections.close_all)()


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client.cookies[settings.SESSION_COOKIE_NAME].value


async def connect(user=None):
    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
    if user is not None:
        cookie = await sync_to_async(session_cookie)(user)
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    communicator = WebsocketCommunicator(application, "/ws/events/", headers=headers)
    connected, code = await communicator.connect()
    return communicator, connected, code


def create_notification(user, text):
    return services.notification_create(user=user, text=text)


async def notification_arrives(agente):
    communicator, connected, _ = await connect(agente)
    assert connected
    await sync_to_async(create_notification)(agente, "Tu cliente llamó de vuelta")
    event = await communicator.receive_json_from(timeout=3)
    assert event["type"] == "notification.created"
    assert event["payload"]["text"] == "Tu cliente llamó de vuelta"
    assert event["payload"]["unread"] == 1
    await communicator.send_json_to({"type": "ping"})
    assert (await communicator.receive_json_from(timeout=3))["type"] == "pong"
    await communicator.disconnect()


async def test_push_with_the_in_memory_layer(agente):
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == "channels.layers.InMemoryChannelLayer"
    await notification_arrives(agente)


def redis_up(url="redis://127.0.0.1:6379/0") -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.mark.skipif(not redis_up(), reason="Redis no disponible en 127.0.0.1:6379 (CI lo inicia)")
async def test_push_with_the_real_redis_layer(agente, settings):
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:6379/0"], "prefix": "crm-test"},
        }
    }
    channel_layers.backends.clear()
    try:
        from channels.layers import get_channel_layer

        assert type(get_channel_layer()).__name__ == "RedisChannelLayer"
        await notification_arrives(agente)
    finally:
        channel_layers.backends.clear()


async def test_anonymous_socket_is_refused():
    communicator, connected, code = await connect(None)
    assert not connected and code == 4401


async def test_someone_elses_notification_does_not_arrive(agente, outsider):
    communicator, connected, _ = await connect(outsider)
    assert connected
    await sync_to_async(create_notification)(agente, "Privado")
    assert await communicator.receive_nothing(timeout=0.5)
    await communicator.disconnect()


async def test_foreign_origin_is_refused(agente):
    cookie = await sync_to_async(session_cookie)(agente)
    communicator = WebsocketCommunicator(
        application,
        "/ws/events/",
        headers=[(b"origin", b"http://evil.example.com"), (b"cookie", f"sessionid={cookie}".encode())],
    )
    connected, _ = await communicator.connect()
    assert not connected
