"""/health/: 200 when every backing service answers, 503 naming what is down."""

import pytest
from django.core.cache import caches

pytestmark = pytest.mark.django_db

CLOSED = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_all_up(client):
    response = client.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["down"] == []
    assert set(body["checks"]) == {"database", "cache", "channel_layer", "storage", "tasks"}
    assert all(check["ok"] for check in body["checks"].values())


def test_health_needs_no_login_and_is_not_cached(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]


def test_cache_down(client, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CLOSED}}
    try:
        response = client.get("/health/")
    finally:
        caches["default"].close()
    assert response.status_code == 503
    assert response.json()["down"] == ["cache"]


def test_channel_layer_down(client, settings):
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [CLOSED]}}
    }
    channel_layers.backends.clear()
    try:
        response = client.get("/health/")
    finally:
        channel_layers.backends.clear()
    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["channel_layer"] and body["checks"]["channel_layer"]["error"]


def test_storage_down(client, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "core.storage.MinioStorage",
            "OPTIONS": {
                "bucket_name": "crm-core",
                "endpoint": "127.0.0.1:1",
                "access_key": "a",
                "secret_key": "b",
                "secure": False,
                "connect_timeout": 1,
                "read_timeout": 1,
            },
        },
    }
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["down"] == ["storage"]


def test_task_backend_down(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE django_tasks_database_dbtaskresult")
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["down"] == ["tasks"]


def test_database_down(client, settings, monkeypatch):
    """A database that refuses connections is reported by name (the page itself needs no DB)."""
    from django.db import connection

    def refuse(*args, **kwargs):
        from django.db import OperationalError

        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/health/")
    assert response.status_code == 503
    assert "database" in response.json()["down"]
