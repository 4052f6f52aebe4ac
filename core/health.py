"""Health checks of every backing service, for /health/ and for operators."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.db import connection


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    key = f"health:{uuid.uuid4().hex}"
    cache.set(key, "ok", 10)
    if cache.get(key) != "ok":
        raise RuntimeError("la caché no devolvió el valor escrito")
    cache.delete(key)


def check_channel_layer() -> None:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no hay capa de canales configurada")

    async def roundtrip():
        channel = await layer.new_channel("health.")
        await layer.send(channel, {"type": "health.ping"})
        message = await layer.receive(channel)
        if message.get("type") != "health.ping":
            raise RuntimeError("la capa de canales devolvió otro mensaje")

    async_to_sync(roundtrip)()


def check_storage() -> None:
    from core.storage import storage_check

    storage_check("default")


def check_tasks() -> None:
    from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
    from django_tasks_db import DatabaseBackend

    backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
    if isinstance(backend, DatabaseBackend):
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.exists()
    for message in backend.check():
        if getattr(message, "level", 0) >= 40:
            raise RuntimeError(str(message.msg))


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "cache": check_cache,
    "channel_layer": check_channel_layer,
    "storage": check_storage,
    "tasks": check_tasks,
}


def run_checks() -> dict:
    """``{"status": "ok"|"error", "checks": {name: {"ok": bool, "ms": float, "error"?: str}}, "down": [...]}``"""
    results = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as exc:  # every failure is reported by name, never raised
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
        else:
            results[name] = {"ok": True}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    down = [name for name, result in results.items() if not result["ok"]]
    return {"status": "error" if down else "ok", "down": down, "checks": results}
