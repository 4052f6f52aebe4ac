"""The machine API's contract (docs/dialer_agent.md): answers, idempotency and every bad request."""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from dialer import services
from dialer.models import CallLog, DialRequest

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 15, 0, 0, tzinfo=UTC)


def iso(moment):
    return moment.isoformat(timespec="milliseconds")


def start_body(**overrides):
    body = {"call_uuid": str(uuid.uuid4()), "phone": "+50688881234", "started_at": iso(T0), "provider": "log"}
    return {**body, **overrides}


def end_body(uuid_, **overrides):
    return {"call_uuid": uuid_, "status": "COMPLETED", "ended_at": iso(T0 + timedelta(seconds=95)), **overrides}


# --- ping and authentication ---------------------------------------------------------------


def test_ping_names_the_user_and_the_workstation(api, agente):
    response = api.get("/api/dialer/ping")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True and body["username"] == "agente"
    assert body["token_name"].startswith("PC-01 (crea_")
    assert "server_time" in body


def test_x_api_key_header_works_too(secret, api_as):
    assert api_as(secret, header="x-api-key").get("/api/dialer/ping").status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer crea_00000000_nope"},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"X-API-Key": ""},
    ],
)
def test_missing_or_unknown_token_is_401_json(client, db, headers):
    for method, path in [("get", "/api/dialer/ping"), ("get", "/api/dialer/next?wait=0"), ("post", "/api/calls/start")]:
        response = getattr(client, method)(path, headers=headers)
        assert response.status_code == 401, path
        assert response.json() == {"detail": "unknown or revoked workstation token"}


def test_a_right_prefix_with_a_wrong_secret_is_401(secret, api_as):
    forged = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    assert api_as(forged).get("/api/dialer/ping").status_code == 401


def test_revoked_token_is_401(api, agente):
    assert api.get("/api/dialer/ping").status_code == 200  # the token is now in the cache
    services.token_revoke(token=agente.workstation_tokens.get())
    response = api.get("/api/dialer/ping")
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_inactive_user_token_is_401(api, agente):
    assert api.get("/api/dialer/ping").status_code == 200
    agente.is_active = False
    agente.save()
    assert api.get("/api/dialer/ping").status_code == 401


def test_the_api_acts_as_the_user_as_saved_last(api, agente):
    assert api.get("/api/dialer/ping").json()["workstation"] == "PC-01"  # the token's name
    agente.workstation = "PC-NUEVA"
    agente.save(update_fields=["workstation"])
    assert api.get("/api/dialer/ping").json()["workstation"] == "PC-NUEVA"


def test_the_api_never_redirects_to_the_login_page(client, db):
    response = client.post("/api/calls/end", data="{}", content_type="application/json")
    assert response.status_code == 401


def test_rate_limit_answers_429_with_retry_after(api, settings):
    settings.DIALER_RATE_LIMIT_PER_HOUR = 3
    assert [api.get("/api/dialer/ping").status_code for _ in range(3)] == [200, 200, 200]
    response = api.get("/api/dialer/ping")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 3600
    assert "rate limit" in response.json()["detail"]
    # The long-poll is limited by the same count, and counts once however long it waits.
    assert api.get("/api/dialer/next", wait=0).status_code == 429


def test_rate_limit_counts_in_redis_with_the_windows_expiry(api, settings, redis_cache):
    settings.DIALER_RATE_LIMIT_PER_HOUR = 2
    assert [api.get("/api/dialer/ping").status_code for _ in range(3)] == [200, 200, 429]
    from dialer.redis_client import _clients

    assert (redis_cache.url,) in _clients  # counted on one client shared by the requests' threads
    [key] = redis_cache.server.keys(f"{redis_cache.prefix}:*dialer:rate:*")
    assert int(redis_cache.server.get(key)) == 3
    assert 3600 < redis_cache.server.ttl(key) <= 3660
    # The token was read once from the database and then from Redis, in the count's round trip.
    [cached] = redis_cache.server.keys(f"{redis_cache.prefix}:*dialer:token:*")
    assert 0 < redis_cache.server.ttl(cached) <= 60


def test_wrong_secrets_do_not_spend_the_tokens_budget(api, secret, api_as, settings):
    settings.DIALER_RATE_LIMIT_PER_HOUR = 2
    forged = api_as(secret[:-4] + "AAAA")  # the right prefix, a wrong secret
    assert [forged.get("/api/dialer/ping").status_code for _ in range(4)] == [401] * 4
    assert [api.get("/api/dialer/ping").status_code for _ in range(3)] == [200, 200, 429]


def test_rate_limit_is_per_token(api, agente, issue, api_as, settings):
    settings.DIALER_RATE_LIMIT_PER_HOUR = 1
    assert api.get("/api/dialer/ping").status_code == 200
    assert api.get("/api/dialer/ping").status_code == 429
    assert api_as(issue(agente, "PC-02")).get("/api/dialer/ping").status_code == 200


# --- next -----------------------------------------------------------------------------------


def test_next_answers_204_when_nothing_comes(api):
    response = api.get("/api/dialer/next", wait=0)
    assert response.status_code == 204
    assert response.content == b""


def test_next_waits_about_wait_seconds(api, settings):
    import time

    settings.DIALER_POLL_RECHECK_SECONDS = 0.2
    started = time.monotonic()
    assert api.get("/api/dialer/next", wait=1).status_code == 204
    assert 0.9 <= time.monotonic() - started < 3


def test_next_delivers_a_dial_request_once(api, agente, debtor):
    request = services.dial_request_create(user=agente, record=debtor, phone="+50688881234")
    response = api.get("/api/dialer/next", wait=0)
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "action": "dial",
        "id": request.pk,
        "phone": "+50688881234",
        "dial_string": "88881234",
        "created_at": body["created_at"],
    }
    assert api.get("/api/dialer/next", wait=0).status_code == 204


@pytest.mark.parametrize("wait", ["-1", "61", "abc", "2.5"])
def test_next_refuses_a_wait_out_of_bounds(api, wait):
    response = api.get("/api/dialer/next", wait=wait)
    assert response.status_code == 422
    assert response.json()["detail"]


def test_next_delivers_a_hangup_by_call_uuid(api, agente, debtor):
    request = services.dial_request_create(user=agente, record=debtor, phone="+50688881234")
    api.get("/api/dialer/next", wait=0)
    body = start_body(dial_request_id=request.pk)
    api.post("/api/calls/start", body)
    call = CallLog.objects.get()
    assert services.hangup_request(user=agente, call=call) == "requested"
    assert api.get("/api/dialer/next", wait=0).json() == {"action": "hangup", "call_uuid": body["call_uuid"]}
    assert api.get("/api/dialer/next", wait=0).status_code == 204


# --- calls/start ----------------------------------------------------------------------------


def test_start_is_201_then_200_with_the_same_body(api, agente, debtor):
    request = services.dial_request_create(user=agente, record=debtor, phone="+50688881234")
    body = start_body(dial_request_id=request.pk)
    first = api.post("/api/calls/start", body)
    assert first.status_code == 201
    assert set(first.json()) == {"call_id", "call_uuid", "started_at", "dial_request_id"}
    again = api.post("/api/calls/start", body)
    assert again.status_code == 200
    assert again.content == first.content
    # Even a repeat that differs (a re-send after a restart) gets the call as first recorded.
    different = api.post("/api/calls/start", {**body, "phone": "+50622223333"})
    assert different.status_code == 200 and different.content == first.content
    call = CallLog.objects.get()
    assert call.phone == "+50688881234" and call.provider == "log" and call.campaign == debtor.campaign
    assert call.record == debtor
    assert DialRequest.objects.get().status == "dialling"


def test_start_with_a_time_in_another_offset_answers_utc(api):
    body = start_body(started_at="2026-03-02T09:00:00.250-06:00")
    first = api.post("/api/calls/start", body).json()
    assert first["started_at"] == "2026-03-02T15:00:00.250Z"
    assert api.post("/api/calls/start", body).json() == first


def test_times_with_offsets_past_postgresqls_are_taken_in_utc(api):
    # Found by schemathesis on PostgreSQL: ISO 8601 allows offsets up to ±23:59, PostgreSQL only
    # ±15:59, so a start at -16:30 was a database error (500).
    body = start_body(started_at="2026-03-02T10:00:00-16:30")
    response = api.post("/api/calls/start", body)
    assert response.status_code == 201
    assert response.json()["started_at"] == "2026-03-03T02:30:00Z"
    end = api.post("/api/calls/end", end_body(body["call_uuid"], ended_at="2026-03-04T01:30:40+22:59"))
    assert (end.status_code, end.json()["duration_seconds"]) == (200, 100)
    assert end.json()["ended_at"] == "2026-03-03T02:31:40Z"


def test_start_without_a_dial_request_and_an_unknown_provider(api):
    response = api.post("/api/calls/start", start_body(provider="microsip-custom"))
    assert response.status_code == 201
    assert response.json()["dial_request_id"] is None
    assert CallLog.objects.get().provider == "other"


def test_start_accepts_a_number_that_is_not_e164(api):
    assert api.post("/api/calls/start", start_body(phone="101")).status_code == 201
    assert CallLog.objects.get().phone == "101"


@pytest.mark.parametrize("missing", ["call_uuid", "phone", "started_at"], ids=["no-uuid", "no-phone", "no-started_at"])
def test_start_missing_a_field_is_422(api, missing):
    body = start_body()
    del body[missing]
    response = api.post("/api/calls/start", body)
    assert response.status_code == 422
    assert missing in str(response.json()["detail"])


@pytest.mark.parametrize(
    "field,value",
    [
        ("call_uuid", "not-a-uuid"),
        ("call_uuid", 12),
        ("started_at", "yesterday"),
        ("dial_request_id", "forty-one"),
        ("dial_request_id", 2**70),
        ("phone", ""),
        ("phone", ["+50688881234"]),
    ],
)
def test_start_with_a_wrong_type_is_422(api, field, value):
    response = api.post("/api/calls/start", start_body(**{field: value}))
    assert response.status_code == 422
    assert response.json()["detail"]


@pytest.mark.parametrize("raw", ["{not json", "[]", '"text"', "null"])
def test_a_body_that_is_not_a_json_object_is_4xx_with_a_reason(api, raw):
    response = api.post("/api/calls/start", raw=raw)
    assert response.status_code in (400, 422)
    assert response.json()["detail"]


def test_start_someone_elses_call_is_404(api, agente_b, issue, api_as):
    body = start_body()
    assert api_as(issue(agente_b)).post("/api/calls/start", body).status_code == 201
    response = api.post("/api/calls/start", body)
    assert response.status_code == 404
    assert response.json() == {"detail": "call not found"}


def test_start_with_someone_elses_dial_request_is_404(api, agente_b, debtor):
    debtor.assigned_agent = agente_b
    debtor.save()
    request = services.dial_request_create(user=agente_b, record=debtor, phone="+50688881234")
    response = api.post("/api/calls/start", start_body(dial_request_id=request.pk))
    assert response.status_code == 404
    assert response.json() == {"detail": "dial request not found"}
    assert not CallLog.objects.exists()


# --- calls/end ------------------------------------------------------------------------------


def test_end_answers_the_duration_and_the_day_figures_and_repeats_identically(api):
    body = start_body()
    api.post("/api/calls/start", body)
    first = api.post("/api/calls/end", end_body(body["call_uuid"], notes="ok"))
    assert first.status_code == 200
    data = first.json()
    assert data["duration_seconds"] == 95 and data["status"] == "COMPLETED"
    assert data["today"]["calls_made"] == 1
    assert data["today"]["average_handle_seconds"] == 95
    assert data["today"]["total_talk_seconds"] == 95
    again = api.post("/api/calls/end", end_body(body["call_uuid"], status="FAILED", notes="changed"))
    assert again.status_code == 200 and again.content == first.content
    call = CallLog.objects.get()
    assert (call.status, call.notes) == ("COMPLETED", "ok")


def test_end_before_start_is_400_with_the_reason(api):
    body = start_body()
    api.post("/api/calls/start", body)
    response = api.post("/api/calls/end", end_body(body["call_uuid"], ended_at=iso(T0 - timedelta(seconds=1))))
    assert response.status_code == 400
    assert "before the call's started_at" in response.json()["detail"]
    assert CallLog.objects.get().status is None


def test_end_too_long_after_the_start_is_400_with_the_reason(api):
    # Found by schemathesis: a start in 2000 and an end in 2089, each in the API's range, made a
    # duration past the column's 32-bit integer, refused with the database field's message.
    body = start_body(started_at="2000-01-01T00:00:00Z")
    api.post("/api/calls/start", body)
    response = api.post("/api/calls/end", end_body(body["call_uuid"], ended_at="2089-05-18T22:18:32-05:00"))
    assert response.status_code == 400
    assert "more than 68 years after the call's started_at" in response.json()["detail"]
    assert CallLog.objects.get().ended_at is None
    ok = api.post("/api/calls/end", end_body(body["call_uuid"], ended_at="2068-01-19T03:14:07Z"))
    assert (ok.status_code, ok.json()["duration_seconds"]) == (200, 2**31 - 1)


def test_end_of_an_unknown_call_is_404(api):
    response = api.post("/api/calls/end", end_body(str(uuid.uuid4())))
    assert response.status_code == 404
    assert response.json() == {"detail": "call not found"}


def test_end_of_someone_elses_call_is_404(api, agente_b, issue, api_as):
    other = api_as(issue(agente_b))
    body = start_body()
    other.post("/api/calls/start", body)
    assert api.post("/api/calls/end", end_body(body["call_uuid"])).status_code == 404
    assert CallLog.objects.get().status is None


@pytest.mark.parametrize(
    "field,value",
    [("status", "HUNG_UP"), ("status", None), ("ended_at", "soon"), ("call_uuid", "x"), ("cost", "free"), ("cost", -1)],
)
def test_end_with_a_wrong_value_is_422(api, field, value):
    body = start_body()
    api.post("/api/calls/start", body)
    response = api.post("/api/calls/end", end_body(body["call_uuid"], **{field: value}))
    assert response.status_code == 422
    assert response.json()["detail"]


@pytest.mark.parametrize("missing", ["call_uuid", "status", "ended_at"])
def test_end_missing_a_field_is_422(api, missing):
    body = end_body(str(uuid.uuid4()))
    del body[missing]
    response = api.post("/api/calls/end", body)
    assert response.status_code == 422
    assert missing in str(response.json()["detail"])


def test_end_with_a_bad_recording_url_is_400(api):
    body = start_body()
    api.post("/api/calls/start", body)
    response = api.post("/api/calls/end", end_body(body["call_uuid"], recording_url="not a url"))
    assert response.status_code == 400
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "sent,stored", [(0.12345, Decimal("0.1235")), (12, Decimal("12.0000")), (999_999.9999, Decimal("999999.9999"))]
)
def test_cost_is_a_number_kept_to_four_decimals(api, sent, stored):
    # The schema said any string or number; "", "free" or 0.12345 were then refused (schemathesis).
    body = start_body()
    api.post("/api/calls/start", body)
    assert api.post("/api/calls/end", end_body(body["call_uuid"], cost=sent)).status_code == 200
    assert CallLog.objects.get().cost == stored


@pytest.mark.parametrize("cost", ["1.5", "", 1_000_000, True])
def test_cost_as_text_or_past_the_column_is_422(api, cost):
    body = start_body()
    api.post("/api/calls/start", body)
    response = api.post("/api/calls/end", end_body(body["call_uuid"], cost=cost))
    assert response.status_code == 422
    assert "cost" in str(response.json()["detail"])


def test_the_schema_states_the_years_the_api_takes(api, client, agente):
    # Found by schemathesis: times and days outside 2000–2099 (2100 for days) were 422 while the
    # schema allowed any date. JSON Schema has no date bounds, so a pattern states the years.
    client.force_login(agente, backend="django.contrib.auth.backends.ModelBackend")
    schema = client.get("/api/openapi.json").json()
    components = schema["components"]["schemas"]
    started = components["CallStartIn"]["properties"]["started_at"]
    ended = components["CallEndIn"]["properties"]["ended_at"]
    date_from = next(p for p in schema["paths"]["/api/calls/log"]["get"]["parameters"] if p["name"] == "date_from")
    assert started["pattern"] == ended["pattern"] == "^20[0-9]{2}-"
    assert date_from["schema"]["anyOf"][0]["pattern"] == "^(20[0-9]{2}|2100)-"
    assert api.post("/api/calls/start", start_body(started_at="2099-12-31T23:59:59-05:00")).status_code == 201
    assert api.post("/api/calls/start", start_body(started_at="1999-12-31T23:59:59Z")).status_code == 422
    assert api.get("/api/calls/log", date_to="2100-12-31").status_code == 200
    assert api.get("/api/calls/log", date_to="2101-01-01").status_code == 422


def test_long_notes_are_kept_up_to_the_limit(api):
    body = start_body()
    api.post("/api/calls/start", body)
    assert api.post("/api/calls/end", end_body(body["call_uuid"], notes="x" * 5000)).status_code == 200
    assert len(CallLog.objects.get().notes) == 2000


def test_wrong_methods_are_405(api):
    assert api.get("/api/calls/start").status_code == 405
    assert api.post("/api/dialer/next", {}).status_code == 405


# --- calls/log ------------------------------------------------------------------------------


@pytest.fixture
def calls(agente, agente_b, outsider, campaign):
    """One ended call each for agente, agente_b (same team) and outsider (another team)."""
    made = {}
    for user, seconds in ((agente, 60), (agente_b, 120), (outsider, 30)):
        call, _ = services.call_start(user=user, call_uuid=uuid.uuid4(), phone="+50688881234", started_at=T0)
        CallLog.objects.filter(pk=call.pk).update(campaign=campaign if user != outsider else None)
        services.call_end(user=user, call_uuid=call.uuid, status="COMPLETED", ended_at=T0 + timedelta(seconds=seconds))
        made[user.username] = call
    return made


def usernames(response):
    assert response.status_code == 200, response.content
    return sorted(row["username"] for row in response.json()["results"])


def test_log_is_scoped_by_the_tokens_user(calls, users, issue, api_as):
    expected = {
        "agente": ["agente"],
        "supervisor": ["agente", "agente_b"],
        "backoffice": ["agente", "agente_b"],  # their campaign's calls
        "admin": ["agente", "agente_b", "outsider"],
        "outsider": ["outsider"],
    }
    for role, names in expected.items():
        assert usernames(api_as(issue(users[role])).get("/api/calls/log")) == names, role


def test_log_filters_user_dates_and_status(calls, supervisor, agente_b, issue):
    from dialer.tests.conftest import Api

    api = Api(issue(supervisor))
    assert usernames(api.get("/api/calls/log", user=agente_b.pk)) == ["agente_b"]
    assert usernames(api.get("/api/calls/log", date_from="2026-03-02", date_to="2026-03-02")) == ["agente", "agente_b"]
    assert usernames(api.get("/api/calls/log", date_from="2026-03-03")) == []
    assert usernames(api.get("/api/calls/log", status="FAILED")) == []
    assert usernames(api.get("/api/calls/log", status="COMPLETED")) == ["agente", "agente_b"]
    assert usernames(api.get("/api/calls/log", user=calls["outsider"].user_id)) == []
    row = api.get("/api/calls/log", user=agente_b.pk).json()["results"][0]
    assert (row["duration_seconds"], row["status"]) == (120, "COMPLETED")
    assert row["started_at"] == "2026-03-02T15:00:00Z"


def test_log_pages(calls, admin, issue):
    from dialer.tests.conftest import Api

    api = Api(issue(admin))
    first = api.get("/api/calls/log", page_size=2).json()
    assert (first["count"], first["pages"], len(first["results"])) == (3, 2, 2)
    second = api.get("/api/calls/log", page_size=2, page=2).json()
    assert len(second["results"]) == 1
    assert api.get("/api/calls/log", page_size=2, page=9).json()["results"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"page_size": 1001},
        {"page_size": 0},
        {"page": 0},
        {"status": "WHATEVER"},
        {"date_from": "2026-13-01"},
        {"user": "me"},
        {"user": 2**70},
    ],
)
def test_log_refuses_bad_filters_with_422(api, params):
    response = api.get("/api/calls/log", **params)
    assert response.status_code == 422
    assert response.json()["detail"]


def test_log_date_range_backwards_is_400(api):
    response = api.get("/api/calls/log", date_from="2026-03-05", date_to="2026-03-01")
    assert response.status_code == 400
    assert response.json() == {"detail": "date_from is after date_to"}


# --- the schema and its docs ----------------------------------------------------------------


def test_openapi_docs_need_a_signed_in_user(client, agente):
    assert client.get("/api/docs").status_code == 302
    assert client.get("/api/openapi.json").status_code == 302
    client.force_login(agente, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/api/docs").status_code == 200
    schema = client.get("/api/openapi.json").json()
    assert {"/api/dialer/ping", "/api/dialer/next", "/api/calls/start", "/api/calls/end", "/api/calls/log"} <= set(
        schema["paths"]
    )
    assert {"BearerToken", "ApiKeyToken"} <= set(schema["components"]["securitySchemes"])


# --- nothing a client sends is a server error -----------------------------------------------

ODD_VALUES = [
    None,
    "",
    0,
    -1,
    2**64,
    1.5,
    True,
    [],
    {},
    "x" * 20_000,
    "\x00",
    "9999-12-31T23:59:59-05:00",
    "0001-01-01T00:00:00+05:00",
    "NaN",
    "2026-02-30",
]


def test_no_odd_value_in_any_field_is_a_server_error(api):
    known = start_body()
    assert api.post("/api/calls/start", known).status_code == 201
    problems = []
    for field in [*start_body(dial_request_id=1), "extra"]:
        for value in ODD_VALUES:
            response = api.post("/api/calls/start", start_body(**{field: value}))
            if response.status_code >= 500 or not response.json():
                problems.append(("start", field, value, response.status_code))
    for field in [*end_body(known["call_uuid"], notes="", cost=1, recording_url=""), "extra"]:
        for value in ODD_VALUES:
            response = api.post("/api/calls/end", end_body(known["call_uuid"], **{field: value}))
            if response.status_code >= 500:
                problems.append(("end", field, value, response.status_code))
    for param in ["user", "date_from", "date_to", "status", "page", "page_size"]:
        for value in ODD_VALUES:
            if value is None or isinstance(value, list | dict):
                continue
            response = api.get("/api/calls/log", **{param: value})
            if response.status_code >= 500:
                problems.append(("log", param, value, response.status_code))
    for value in ODD_VALUES:
        if value is not None and not isinstance(value, list | dict):
            response = api.get("/api/dialer/next", wait=value)
            if response.status_code >= 500:
                problems.append(("next", "wait", value, response.status_code))
    assert problems == []


def test_nul_characters_are_dropped_not_stored(api):
    body = start_body(phone="101\x00")
    api.post("/api/calls/start", body)
    assert api.post("/api/calls/end", end_body(body["call_uuid"], notes="a\x00b")).status_code == 200
    call = CallLog.objects.get()
    assert (call.phone, call.notes) == ("101", "ab")
