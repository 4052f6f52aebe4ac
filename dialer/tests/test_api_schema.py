"""schemathesis over the machine API's own OpenAPI schema: no input is a server error, and every
answer is one the schema declares (status code, content type, headers, body), and the schema
is honest about the requests: what it allows is accepted and what it forbids is refused.

The schema is the app's (``crm.api.api.get_openapi_schema()``, what ``/api/openapi.json`` serves
to a signed-in user) and the requests go through Django's WSGI handler in this thread, so they
see the test database. Each operation gets up to MAX_EXAMPLES generated requests, valid and
invalid ones, plus schemathesis' boundary cases, once with a real workstation token and once
with a forged one.

So that the valid requests reach more than "not found", each test starts from a scene: a
queued dial request and a call with a hang-up pending (the poll's two answers), ended and running
calls (the log's rows), and a call of this agent for most generated call UUIDs (the end's paths).
"""

from __future__ import annotations

import contextlib
import math
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from crm.api import api
from dialer import services
from dialer.api import EARLIEST, MAX_WAIT
from dialer.models import CallLog

MAX_EXAMPLES = 40
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,  # what the schema forbids is refused (4xx)…
    positive_data_acceptance,  # …and what it allows is taken (or 404 for a row that is not there)
]
FUZZ = settings(deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
# Before any end the schema allows (the API takes years from EARLIEST on, in any offset).
FIRST_MOMENT = datetime(EARLIEST.year, 1, 1, tzinfo=UTC) - timedelta(days=2)

schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.config.generation.update(modes=["positive", "negative"], max_examples=MAX_EXAMPLES)


class InThisThread:
    """Django's WSGI app as its test client runs it: the end of a request must not close the
    test's database connection, which holds the test's open transaction."""

    def __init__(self):
        self.handler = WSGIHandler()

    def __call__(self, environ, start_response):
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            result = self.handler(environ, start_response)
            try:
                return [b"".join(result)]
            finally:
                result.close()
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


schema.app = InThisThread()


@pytest.fixture
def scene(agente, debtor):
    """The agent's workstation token and something for each operation to find."""
    secret = services.token_create(user=agente, name="PC-fuzz").secret
    first = services.dial_request_create(user=agente, record=debtor, phone="+50688881234")
    running, _ = services.call_start(
        user=agente, call_uuid=uuid.uuid4(), phone="+50688881234", started_at=FIRST_MOMENT, dial_request_id=first.pk
    )
    services.hangup_request(user=agente, call=running)
    ended, _ = services.call_start(user=agente, call_uuid=uuid.uuid4(), phone="101", started_at=FIRST_MOMENT)
    services.call_end(
        user=agente, call_uuid=ended.uuid, status="COMPLETED", ended_at=FIRST_MOMENT + timedelta(seconds=61)
    )
    queued = services.dial_request_create(user=agente, record=debtor, phone="+50622223333")
    return {"secret": secret, "user": agente, "dial_request_id": queued.pk}


def prepare(case, scene: dict | None) -> None:
    """Keep the long-poll short and (given the scene) point valid references at real rows,
    most of the time."""
    positive = scene is not None and (case.meta is None or not case.meta.generation.mode.is_negative)
    body = case.body if positive and isinstance(case.body, dict) else None
    if case.path == "/api/dialer/next":
        # A valid wait (25 s when absent) would hold the run up to a minute; 0 still takes the
        # poll's path (one look, then 204). Invalid values are sent as generated.
        case.query = case.query if isinstance(case.query, dict) else {}
        with contextlib.suppress(TypeError, ValueError):
            wait = float(str(case.query.get("wait", 0)).strip())
            if math.isfinite(wait) and 0 <= wait <= MAX_WAIT:
                case.query["wait"] = 0
    elif case.path == "/api/calls/log" and positive and isinstance(case.query, dict):
        # A backwards range is 400 with its reason: a rule across two fields, not JSON Schema.
        low, high = case.query.get("date_from"), case.query.get("date_to")
        if isinstance(low, str) and isinstance(high, str) and low > high:
            case.query["date_from"], case.query["date_to"] = high, low
    elif case.path == "/api/calls/start" and body and type(body.get("dial_request_id")) is int:
        if body["dial_request_id"] % 2 == 0:
            body["dial_request_id"] = scene["dial_request_id"]
    elif case.path == "/api/calls/end" and body and isinstance(body.get("call_uuid"), str):
        if body.get("recording_url"):
            # Django's URLValidator (the model's rule, refused with 400) is not JSON Schema.
            body["recording_url"] = f"https://grabaciones.example.com/{abs(hash(body['recording_url']))}.mp3"
        with contextlib.suppress(ValueError):
            call_uuid = uuid.UUID(body["call_uuid"])
            if call_uuid.int % 4 and not CallLog.objects.filter(uuid=call_uuid).exists():
                # Started an hour before the end: an end before the start, or 68 years after
                # it, is a 400 with its reason (the two times arrive in different requests).
                try:
                    started_at = datetime.fromisoformat(body["ended_at"]).astimezone(UTC) - timedelta(hours=1)
                except (KeyError, TypeError, ValueError):
                    started_at = FIRST_MOMENT
                services.call_start(
                    user=scene["user"], call_uuid=call_uuid, phone="+50688881234", started_at=started_at
                )


@pytest.mark.django_db
@schema.parametrize()
@FUZZ
def test_with_a_valid_token_nothing_is_a_server_error_and_answers_match_the_schema(case, scene, settings):
    settings.DIALER_RATE_LIMIT_PER_HOUR = 0  # hundreds of requests on one token
    prepare(case, scene)
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {scene['secret']}"}
    case.call_and_validate(checks=CHECKS)


@pytest.mark.django_db
@schema.parametrize()
@FUZZ
def test_with_a_forged_token_every_request_is_refused(case, scene):
    prepare(case, scene=None)
    forged = scene["secret"][:-6] + ("AAAAAA" if not scene["secret"].endswith("AAAAAA") else "BBBBBB")
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {forged}"}
    response = case.call_and_validate(checks=[*CHECKS, ignored_auth])
    expected = 401 if case.method.upper() == case.operation.method.upper() else 405
    assert response.status_code == expected, response.text
