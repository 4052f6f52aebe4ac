"""The fixed cast of users per role (ARCHITECTURE.md §10), shared by every app's tests.

``agente`` and ``agente_b`` are on ``supervisor``'s team; ``agente_b`` is also in a second,
Telefónica campaign. ``backoffice`` and ``calidad`` belong to the Cartera campaign only.
``outsider`` is an agent of another team and campaign: what it sees proves scoping works.
"""

import pytest

from core.choices import Module
from core.roles import Role
from core.testing.factories import TEST_PASSWORD, CampaignFactory, MembershipFactory, UserFactory

ROLE_FIXTURES = ["agente", "supervisor", "backoffice", "calidad", "admin"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The production hasher costs ~0.3 s a user; tests create dozens.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The cache outlives a test's database, whose ids a later test may get again (SQLite): the
    # dialer's rate-limit counts and call flags must not carry over from one test to the next.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def campaign(db):
    return CampaignFactory(name="Cobranza CR", module=Module.CARTERA)


@pytest.fixture
def campaign_b(db):
    return CampaignFactory(name="Telefónica CR", module=Module.TELEFONICA)


@pytest.fixture
def supervisor(db, campaign):
    user = UserFactory(username="supervisor", role=Role.SUPERVISOR)
    MembershipFactory(user=user, campaign=campaign)
    return user


@pytest.fixture
def agente(db, supervisor, campaign):
    user = UserFactory(username="agente", role=Role.AGENTE, supervisor=supervisor)
    MembershipFactory(user=user, campaign=campaign)
    return user


@pytest.fixture
def agente_b(db, supervisor, campaign, campaign_b):
    user = UserFactory(username="agente_b", role=Role.AGENTE, supervisor=supervisor)
    MembershipFactory(user=user, campaign=campaign)
    MembershipFactory(user=user, campaign=campaign_b)
    return user


@pytest.fixture
def backoffice(db, campaign):
    user = UserFactory(username="backoffice", role=Role.BACKOFFICE)
    MembershipFactory(user=user, campaign=campaign)
    return user


@pytest.fixture
def calidad(db, campaign):
    user = UserFactory(username="calidad", role=Role.CALIDAD)
    MembershipFactory(user=user, campaign=campaign)
    return user


@pytest.fixture
def admin(db):
    return UserFactory(username="admin", role=Role.ADMINISTRADOR)


@pytest.fixture
def outsider(db):
    other_sup = UserFactory(username="otro_supervisor", role=Role.SUPERVISOR)
    user = UserFactory(username="outsider", role=Role.AGENTE, supervisor=other_sup)
    MembershipFactory(user=user, campaign=CampaignFactory(name="Otra campaña"))
    return user


@pytest.fixture
def users(agente, agente_b, supervisor, backoffice, calidad, admin, outsider):
    """Every role's user, by fixture name."""
    return {
        "agente": agente,
        "agente_b": agente_b,
        "supervisor": supervisor,
        "backoffice": backoffice,
        "calidad": calidad,
        "admin": admin,
        "outsider": outsider,
    }


@pytest.fixture
def login(client):
    """``login(user)`` → the test client logged in as ``user`` (through the real login backend)."""

    def _login(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return _login


@pytest.fixture
def password():
    return TEST_PASSWORD


@pytest.fixture
def listen():
    """``listen(group)`` → ``receive()``: the next channel-layer message sent to ``group``, or None
    after half a second. How tests check what ``notify_on_commit`` pushed."""
    import asyncio

    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    layer = get_channel_layer()

    def _listen(group):
        channel = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(group, channel)

        def receive():
            async def _next():
                try:
                    return await asyncio.wait_for(layer.receive(channel), 0.5)
                except TimeoutError:
                    return None

            return async_to_sync(_next)()

        return receive

    return _listen
