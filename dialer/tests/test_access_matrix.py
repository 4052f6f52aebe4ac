"""Every dialer page and every machine-API route × every role (ARCHITECTURE.md §4)."""

import uuid

import pytest
from django.utils import timezone

from core.testing.access import ROLES, Route, assert_covered, check_matrix, everyone
from dialer import services
from dialer.tests.conftest import Api
from dialer.tests.test_metrics_views import metrics_routes

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(users, debtor):
    call, _ = services.call_start(
        user=users["agente"], call_uuid=uuid.uuid4(), phone="+50688881234", started_at=timezone.now()
    )
    return {
        "token": services.token_create(user=users["agente"], name="PC-01").token,
        "debtor": debtor,
        "call": call,
    }


def routes(records):
    token = records["token"].pk
    record = {"record_type": "cartera.debtor", "record_id": records["debtor"].pk}
    dial = {**record, "phone": "+50688881234"}
    manual = {**record, "phone": "+50688881234", "status": "NO_ANSWER", "started_at": "2026-01-05T10:00"}
    manual["duration_seconds"] = "0:20"
    # A token is personal: only its owner (and an admin, to revoke a lost one) reaches it.
    owner_only = {**everyone(404), "agente": 302, "admin": 302}
    return [
        Route("dialer:token_list", everyone(200)),
        Route("dialer:token_create", everyone(200), method="post", data={"name": "PC-09"}),
        Route("dialer:token_revoke", owner_only, kwargs=lambda u: {"pk": token}, method="post"),
        # Everyone who sees the debtor may call it (supervisors and backoffice call too); the
        # plain form post comes back to the card. Its access beyond that: test_call_views.
        Route("dialer:dial", everyone(302), method="post", data=dial),
        Route("dialer:call_manual", everyone(302), method="post", data=manual),
        # Only the one on the call hangs it up, admins included; anyone else hears "no such call".
        Route("dialer:hangup", {**everyone(404), "agente": 302}, method="post", data={"call": records["call"].pk}),
        Route("dialer:current_call", everyone(200)),  # each user's own call, or none
    ]


def test_every_dialer_url_has_a_row(records):
    assert_covered([*routes(records), *metrics_routes()], "dialer")


def test_access_matrix(client, users, records):
    assert check_matrix(client, users, routes(records)) == []


# The machine API answers to a workstation token, not to a session: each role's token reaches
# every route (what it then sees is scoped, see test_api), and no token is a 401, never a redirect.
API_ROUTES = [
    ("get", "/api/dialer/ping", 200),
    ("get", "/api/dialer/next?wait=0", 204),
    ("get", "/api/calls/log", 200),
    ("post", "/api/calls/start", 422),  # an empty body: the route was reached and validated it
    ("post", "/api/calls/end", 422),
]


def test_api_matrix(users, client):
    for role in ROLES:
        api = Api(services.token_create(user=users[role], name=f"PC-{role}").secret)
        for method, path, status in API_ROUTES:
            response = api.get(path) if method == "get" else api.post(path, {})
            assert response.status_code == status, f"{method} {path} as {role}"
    for method, path, _ in API_ROUTES:
        assert getattr(client, method)(path).status_code == 401, path


def test_api_routes_are_all_in_the_matrix():
    from crm.api import api

    schema = api.get_openapi_schema()
    listed = {path.split("?")[0] for _, path, _ in API_ROUTES}
    assert set(schema["paths"]) == listed
