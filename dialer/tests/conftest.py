import json
import uuid
from types import SimpleNamespace

import pytest
from django.test import Client

from cartera.tests.factories import DebtorFactory, DebtorPhoneFactory
from dialer import services


@pytest.fixture
def debtor(agente, campaign):
    debtor = DebtorFactory(campaign=campaign, assigned_agent=agente, full_name="Rosa Mora")
    DebtorPhoneFactory(debtor=debtor, e164="+50688881234")
    DebtorPhoneFactory(debtor=debtor, e164="+50622223333", is_primary=False)
    return debtor


@pytest.fixture
def issue():
    """``issue(user, name="PC-01")`` → the secret of a new workstation token of ``user``."""

    def _issue(user, name="PC-01"):
        return services.token_create(user=user, name=name).secret

    return _issue


@pytest.fixture
def secret(agente, issue):
    return issue(agente)


class Api:
    """The machine API through Django's test client, authenticated like the dialer agent."""

    def __init__(self, secret, header="bearer"):
        self.client = Client()
        self.secret = secret
        self.header = header

    def _headers(self):
        if self.secret is None:
            return {}
        if self.header == "bearer":
            return {"Authorization": f"Bearer {self.secret}"}
        return {"X-API-Key": self.secret}

    def get(self, path, **params):
        return self.client.get(path, params, headers=self._headers())

    def post(self, path, body=None, raw=None):
        data = raw if raw is not None else json.dumps(body)
        return self.client.post(path, data=data, content_type="application/json", headers=self._headers())


@pytest.fixture
def api(secret):
    return Api(secret)


@pytest.fixture
def api_as():
    return Api


REDIS_TEST_URL = "redis://127.0.0.1:6379/9"  # a database of its own: clearing the test cache reaches no other


@pytest.fixture
def redis_cache(settings):
    """The default cache on a real Redis under a prefix of the test's own; its keys are deleted
    after. ``.server`` is a plain client to look at them, ``.url`` and ``.prefix`` as set."""
    import redis

    try:
        redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("Redis no disponible en 127.0.0.1:6379 (CI lo inicia)")
    prefix = f"crm-test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_TEST_URL,
            "KEY_PREFIX": prefix,
        }
    }
    server = redis.Redis.from_url(REDIS_TEST_URL)
    yield SimpleNamespace(server=server, url=REDIS_TEST_URL, prefix=prefix)
    for key in server.keys(f"{prefix}:*"):
        server.delete(key)
