"""The HTTP client: how each kind of answer is classified, against the fake CRM."""

from __future__ import annotations

import socket
import time
from email.utils import formatdate

import pytest

from dialer_agent.api import (
    DEFAULT_RETRY_AFTER,
    ApiClient,
    RateLimited,
    Rejected,
    TokenRejected,
    Unavailable,
    parse_retry_after,
)
from dialer_agent.tests.fake_crm import TOKEN


@pytest.fixture
def client(crm):
    return ApiClient(crm.url, TOKEN, timeout=2)


def answer_with(crm, status, body=None, headers=None):
    def handle(handler, method, path, query, request_body):
        handler.extra_headers = headers or {}
        return status, body

    crm.handle = handle


def test_a_long_poll_with_nothing_to_do_is_none_and_a_request_is_its_json(crm, client):
    assert client.next_request(wait=0) is None
    crm.enqueue({"id": 1, "phone": "+50688881234", "dial_string": "88881234"})
    assert client.next_request(wait=1) == {"id": 1, "phone": "+50688881234", "dial_string": "88881234"}
    assert crm.requests_to("/api/dialer/next")[0][2] == "/api/dialer/next?wait=0"


def test_every_request_carries_the_bearer_token(crm):
    with pytest.raises(TokenRejected, match="401: the token was refused"):
        ApiClient(crm.url, "wrong").ping()


def test_a_429_is_rate_limited_for_retry_after_and_the_client_keeps_quiet(crm, client):
    crm.rate_limit_next = 1
    crm.retry_after = "2"
    with pytest.raises(RateLimited) as error:
        client.ping()
    assert error.value.retry_after == 2
    requests = len(crm.log)
    with pytest.raises(RateLimited):  # not even sent: the token's budget is spent
        client.call_start({"call_uuid": "x"})
    assert len(crm.log) == requests
    assert 1 < client.quiet_for() <= 2


def test_retry_after_as_seconds_as_a_date_or_missing():
    assert parse_retry_after("7") == 7
    assert 8 <= parse_retry_after(formatdate(time.time() + 10, usegmt=True)) <= 10
    assert parse_retry_after(None) == DEFAULT_RETRY_AFTER
    assert parse_retry_after("soon") == DEFAULT_RETRY_AFTER


def test_a_json_4xx_is_a_rejection_with_the_apis_reason(crm, client):
    answer_with(crm, 422, {"detail": "ended_at before started_at"})
    with pytest.raises(Rejected) as error:
        client.call_end({"call_uuid": "x"})
    assert (error.value.status, error.value.reason) == (422, "ended_at before started_at")


@pytest.mark.parametrize(
    ("status", "body", "headers", "message"),
    [
        (503, None, None, "HTTP 503"),
        (404, None, None, "HTTP 404"),  # not the CRM's API speaking: the event must wait
        (302, None, {"Location": "https://crm.example.com/login/"}, "redirected to https://crm.example.com/login/"),
    ],
)
def test_answers_that_are_not_the_apis_mean_try_again_later(crm, client, status, body, headers, message):
    answer_with(crm, status, body, headers)
    with pytest.raises(Unavailable, match=message) as error:
        client.call_start({"call_uuid": "x"})
    assert not isinstance(error.value, Rejected)


def test_a_closed_port_is_unavailable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(Unavailable, match="GET /api/dialer/ping"):
        ApiClient(f"http://127.0.0.1:{port}", TOKEN, timeout=1).ping()


def test_a_2xx_that_is_not_json_is_unavailable(crm, client):
    answer_with(crm, 200, None)
    assert client.ping().body is None  # an empty 200 is fine
    answer_with(crm, 200, b"<html>captive portal</html>")
    with pytest.raises(Unavailable, match="not JSON"):
        client.ping()
