"""Settings come from the environment; production misconfiguration fails loudly."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
PRINT = (
    "import json, django; from django.conf import settings as s; django.setup(); "
    "print(json.dumps({'db': s.DATABASES['default']['ENGINE'], 'cache': s.CACHES['default']['BACKEND'], "
    "'layer': s.CHANNEL_LAYERS['default']['BACKEND'], 'default_storage': s.STORAGES['default']['BACKEND'], "
    "'tickets': s.STORAGES['tickets'], 'tz': s.TIME_ZONE, 'lang': s.LANGUAGE_CODE, "
    "'region': s.DEFAULT_PHONE_REGION, 'session': s.SESSION_COOKIE_AGE, 'axes': s.AXES_FAILURE_LIMIT, "
    "'cooloff': s.AXES_COOLOFF_TIME.total_seconds(), 'journal': s.DATABASES['default'].get('OPTIONS', {})"
    ".get('init_command', '')}, default=str))"
)


def run_python(env_overrides: dict, code: str = PRINT, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    for key in (
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "DEBUG",
        "DATABASE_URL",
        "REDIS_URL",
        "MINIO_ENDPOINT",
        "SECURE_SSL_REDIRECT",
        "SECURE_COOKIES",
        "TASKS_BACKEND",
        "STATICFILES_BACKEND",
    ):
        env.pop(key, None)
    env.update({"DJANGO_SETTINGS_MODULE": "crm.settings", "CRM_ENV_FILE": "/dev/null", **env_overrides})
    command = [sys.executable, "-c", code] if code else [sys.executable, *args]
    return subprocess.run(command, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120)


def settings_of(env: dict) -> dict:
    result = run_python(env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_missing_secret_key_with_debug_off_is_an_error():
    result = run_python({"ALLOWED_HOSTS": "crm.example.com"})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "SECRET_KEY is not set" in result.stderr


def test_missing_allowed_hosts_with_debug_off_is_an_error():
    result = run_python({"SECRET_KEY": "x" * 60})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "ALLOWED_HOSTS is not set" in result.stderr


def test_debug_on_runs_without_secrets(tmp_path):
    values = settings_of({"DEBUG": "true", "SQLITE_PATH": str(tmp_path / "x.sqlite3")})
    assert values["db"] == "django.db.backends.sqlite3"


def test_embedded_defaults(tmp_path):
    values = settings_of({"SECRET_KEY": "k" * 60, "ALLOWED_HOSTS": "localhost", "SQLITE_PATH": str(tmp_path / "a.db")})
    assert values["db"] == "django.db.backends.sqlite3"
    assert "journal_mode=WAL" in values["journal"]
    assert values["cache"].endswith("LocMemCache")
    assert values["layer"] == "channels.layers.InMemoryChannelLayer"
    assert values["default_storage"] == "django.core.files.storage.FileSystemStorage"
    assert (values["tz"], values["lang"], values["region"]) == ("America/Costa_Rica", "es", "CR")
    assert values["session"] == 12 * 3600
    assert (values["axes"], values["cooloff"]) == (5, 1800.0)


def test_environment_switches_every_backend():
    values = settings_of(
        {
            "SECRET_KEY": "k" * 60,
            "ALLOWED_HOSTS": "crm.example.com",
            "DATABASE_URL": "postgres://crm:pw@db.internal:5432/crm",
            "REDIS_URL": "redis://cache.internal:6379/0",
            "MINIO_ENDPOINT": "minio.internal:9000",
            "MINIO_ACCESS_KEY": "a",
            "MINIO_SECRET_KEY": "b",
            "MINIO_BUCKET_TICKETS": "soporte-adjuntos",
            "TIME_ZONE": "America/Bogota",
            "DEFAULT_PHONE_REGION": "CO",
            "SESSION_HOURS": "8",
            "AXES_FAILURE_LIMIT": "3",
            "AXES_COOLOFF_MINUTES": "10",
        }
    )
    assert values["db"] == "django.db.backends.postgresql"
    assert values["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert values["layer"] == "channels_redis.core.RedisChannelLayer"
    assert values["default_storage"] == "core.storage.MinioStorage"
    assert values["tickets"]["OPTIONS"]["bucket_name"] == "soporte-adjuntos"
    assert (values["tz"], values["region"], values["session"]) == ("America/Bogota", "CO", 8 * 3600)
    assert (values["axes"], values["cooloff"]) == (3, 600.0)


PRODUCTION_ENV = {
    "SECRET_KEY": "a-production-secret-that-is-long-and-random-enough-1234567890-abcdefghijkl",
    "ALLOWED_HOSTS": "crm.example.com",
    "BEHIND_TLS_PROXY": "true",
}


def test_check_deploy_is_clean_with_a_production_environment(tmp_path):
    env = {**PRODUCTION_ENV, "SQLITE_PATH": str(tmp_path / "p.db")}
    result = run_python(env, "", "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("variable", ["SECURE_SSL_REDIRECT", "SECURE_COOKIES"])
def test_check_deploy_warns_when_https_protections_are_off(tmp_path, variable):
    env = {**PRODUCTION_ENV, "SQLITE_PATH": str(tmp_path / "p.db"), variable: "false"}
    result = run_python(env, "", "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "security.W0" in result.stdout + result.stderr


def test_scale_knobs_for_the_dialer_long_polls():
    """Hundreds of waiting workstations: a PostgreSQL pool on demand, Redis pools that do not
    refuse the 101st connection, and a re-check interval that relies on Redis' wake-ups."""
    code = (
        "import json, django; from django.conf import settings as s; django.setup(); "
        "print(json.dumps({'pool': s.DATABASES['default'].get('OPTIONS', {}).get('pool'), "
        "'cache': s.CACHES['default'].get('OPTIONS'), 'hosts': s.CHANNEL_LAYERS['default'].get('CONFIG', {})"
        ".get('hosts'), 'recheck': s.DIALER_POLL_RECHECK_SECONDS}))"
    )
    base = {"SECRET_KEY": "k" * 60, "ALLOWED_HOSTS": "crm.example.com"}
    embedded = json.loads(run_python(base, code).stdout)
    assert (embedded["pool"], embedded["hosts"], embedded["recheck"]) == (None, None, 5.0)
    pg = {**base, "DATABASE_URL": "postgres://crm:pw@db.internal:5432/crm", "REDIS_URL": "redis://r:6379/0"}
    production = json.loads(run_python({**pg, "DB_POOL_MAX_SIZE": "20"}, code).stdout)
    assert production["pool"] == {"min_size": 2, "max_size": 20, "timeout": 10.0}
    assert production["cache"] == {"pool_class": "redis.BlockingConnectionPool", "max_connections": 100, "timeout": 10}
    assert production["hosts"] == [{"address": "redis://r:6379/0", "max_connections": 1000, "socket_timeout": 15}]
    assert production["recheck"] == 30.0
    assert json.loads(run_python(pg, code).stdout)["pool"] is None  # off unless asked for
