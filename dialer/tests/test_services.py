"""Dialer services: tokens, dial requests (claim, expiry, hang-up), call start/end and figures."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from cartera.tests.factories import DebtorFactory, DebtorPhoneFactory
from core.testing.factories import CampaignFactory
from dialer import selectors, services
from dialer.models import CallLog, DialRequest, WorkstationToken

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 15, 0, 0, tzinfo=UTC)  # 09:00 in Costa Rica


@pytest.fixture
def token(agente):
    return services.token_create(user=agente, name="PC-01").token


def start(user, at=T0, **kwargs):
    call, _ = services.call_start(user=user, call_uuid=uuid.uuid4(), phone="+50688881234", started_at=at, **kwargs)
    return call


def end(user, call, seconds, status="COMPLETED"):
    return services.call_end(
        user=user, call_uuid=call.uuid, status=status, ended_at=call.started_at + timedelta(seconds=seconds)
    )


# --- tokens ---------------------------------------------------------------------------------


def test_token_is_stored_hashed_and_found_by_its_secret(agente):
    issued = services.token_create(user=agente, name=" PC-01 ")
    token = issued.token
    assert token.name == "PC-01"
    assert issued.secret.startswith(f"crea_{token.prefix}_") and len(issued.secret) > 40
    assert issued.secret not in str(WorkstationToken.objects.values().get())
    assert services.token_authenticate(secret=issued.secret) == token
    assert services.token_authenticate(secret=issued.secret + "x") is None
    assert services.token_authenticate(secret=f"crea_ffffffff_{issued.secret[14:]}") is None
    assert services.token_authenticate(secret="") is None


def test_revoked_token_no_longer_authenticates_and_history_keeps_it(agente):
    issued = services.token_create(user=agente, name="PC-01")
    services.token_revoke(token=issued.token)
    assert services.token_authenticate(secret=issued.secret) is None
    assert issued.token.history.count() == 2


def test_last_seen_is_written_at_most_every_15_seconds(agente, django_assert_num_queries):
    issued = services.token_create(user=agente, name="PC-01")
    with time_machine.travel(T0, tick=False):
        services.token_authenticate(secret=issued.secret)
    with time_machine.travel(T0 + timedelta(seconds=10), tick=False), django_assert_num_queries(0):
        services.token_authenticate(secret=issued.secret)  # the token from the cache, nothing written
    issued.token.refresh_from_db()
    assert issued.token.last_seen_at == T0
    with time_machine.travel(T0 + timedelta(seconds=16), tick=False):
        services.token_authenticate(secret=issued.secret)
    issued.token.refresh_from_db()
    assert issued.token.last_seen_at == T0 + timedelta(seconds=16)


def test_a_token_changed_while_a_request_read_it_is_not_cached_stale(agente):
    from django.core.cache import cache

    from dialer import token_cache

    issued = services.token_create(user=agente, name="PC-01")
    prefix = issued.token.prefix
    # A request reads the row, the token is revoked, then the request caches what it read.
    stale = WorkstationToken.objects.select_related("user").get(prefix=prefix)
    services.token_revoke(token=issued.token)
    cache.add(f"dialer:token:{prefix}", stale, token_cache.TTL_SECONDS)
    assert token_cache.get(prefix).revoked
    assert services.token_authenticate(secret=issued.secret) is None


def test_workstation_online_follows_the_last_poll(agente, token):
    with time_machine.travel(T0, tick=False):
        assert not selectors.workstation_online(user=agente)
        services.dial_request_next(token=token)
        assert selectors.workstation_online(user=agente)
    with time_machine.travel(T0 + timedelta(seconds=61), tick=False):
        assert not selectors.workstation_online(user=agente)


# --- dial requests --------------------------------------------------------------------------


def test_dial_request_carries_the_record_campaign_and_national_digits(agente, debtor):
    request = services.dial_request_create(user=agente, record=debtor, phone="8888-1234")
    assert (request.phone, request.dial_string, request.status) == ("+50688881234", "88881234", "queued")
    assert request.record == debtor and request.campaign == debtor.campaign


def test_dial_string_takes_the_outside_line_prefix_and_the_campaigns_country(agente, settings):
    settings.DIALER_OUTSIDE_LINE_PREFIX = "9"
    colombia = CampaignFactory(name="Cobranza CO", country="CO")
    debtor = DebtorFactory(campaign=colombia, assigned_agent=agente)
    DebtorPhoneFactory(debtor=debtor, e164="+573001234567")
    DebtorPhoneFactory(debtor=debtor, e164="+50688881234", is_primary=False)
    local = services.dial_request_create(user=agente, record=debtor, phone="+573001234567")
    foreign = services.dial_request_create(user=agente, record=debtor, phone="+50688881234")
    assert (local.dial_string, foreign.dial_string) == ("93001234567", "90050688881234")


def test_a_phone_that_is_not_the_records_is_refused(agente, debtor):
    with pytest.raises(ValidationError, match="no es de este registro"):
        services.dial_request_create(user=agente, record=debtor, phone="+50687776666")
    with pytest.raises(ValidationError):
        services.dial_request_create(user=agente, record=debtor, phone="not a phone")
    assert not DialRequest.objects.exists()


def test_a_record_the_user_cannot_see_is_refused(outsider, debtor):
    with pytest.raises(ValidationError, match="No puedes llamar"):
        services.dial_request_create(user=outsider, record=debtor, phone="+50688881234")


def test_without_a_workstation_the_request_is_still_made(agente, debtor):
    request = services.dial_request_create(user=agente, record=debtor, phone="+50688881234")
    assert request.status == "queued" and not selectors.workstation_online(user=agente)


def test_the_newest_request_cancels_the_ones_still_queued(agente, debtor):
    first = services.dial_request_create(user=agente, record=debtor, phone="+50688881234")
    second = services.dial_request_create(user=agente, record=debtor, phone="+50622223333")
    first.refresh_from_db()
    assert first.status == "cancelled" and second.status == "queued"


def test_next_claims_each_request_once_across_workstations(agente, debtor, token):
    other = services.token_create(user=agente, name="PC-02").token
    request = services.dial_request_create(user=agente, record=debtor, phone="+50688881234")
    first = services.dial_request_next(token=token)
    assert first["action"] == "dial" and first["id"] == request.pk
    assert services.dial_request_next(token=other) is None
    assert services.dial_request_next(token=token) is None
    request.refresh_from_db()
    assert (request.status, request.token) == ("sent", token)


def test_next_only_sees_its_own_users_requests(agente_b, debtor, agente, token):
    debtor.assigned_agent = agente_b
    debtor.save()
    services.dial_request_create(user=agente_b, record=debtor, phone="+50688881234")
    assert services.dial_request_next(token=token) is None


def test_next_takes_the_oldest_first(agente, debtor, token):
    older = DialRequest.objects.create(user=agente, phone="+50688881234", dial_string="88881234")
    newer = DialRequest.objects.create(user=agente, phone="+50622223333", dial_string="22223333")
    assert [services.dial_request_next(token=token)["id"] for _ in range(2)] == [older.pk, newer.pk]


def test_a_request_nobody_took_in_time_expires(agente, debtor, token, settings):
    with time_machine.travel(T0, tick=False):
        request = services.dial_request_create(user=agente, record=debtor, phone="+50688881234")
    with time_machine.travel(T0 + timedelta(seconds=settings.DIALER_REQUEST_TTL_SECONDS + 1), tick=False):
        assert services.dial_request_next(token=token) is None
    request.refresh_from_db()
    assert request.status == "expired"


def test_a_request_taken_but_never_started_expires_and_a_late_start_still_lands(agente, debtor, token, settings):
    with time_machine.travel(T0, tick=False):
        request = services.dial_request_create(user=agente, record=debtor, phone="+50688881234")
        services.dial_request_next(token=token)
    with time_machine.travel(T0 + timedelta(seconds=settings.DIALER_REQUEST_TTL_SECONDS + 1), tick=False):
        services.dial_request_next(token=token)
    request.refresh_from_db()
    assert request.status == "expired"
    call = start(agente, dial_request_id=request.pk, token=token)
    request.refresh_from_db()
    assert request.status == "dialling" and call.record == debtor


# --- hang-up --------------------------------------------------------------------------------


def test_hangup_of_a_queued_request_cancels_it(agente, debtor, token):
    request = services.dial_request_create(user=agente, record=debtor, phone="+50688881234")
    assert services.hangup_request(user=agente, dial_request=request) == "cancelled"
    assert services.dial_request_next(token=token) is None


def test_hangup_before_the_start_names_the_request(agente, debtor, token):
    request = services.dial_request_create(user=agente, record=debtor, phone="+50688881234")
    services.dial_request_next(token=token)
    assert services.hangup_request(user=agente, dial_request=request) == "requested"
    assert services.dial_request_next(token=token) == {"action": "hangup", "dial_request_id": request.pk}
    assert services.dial_request_next(token=token) is None


def test_hangup_after_the_start_names_the_call_and_goes_to_its_workstation(agente, debtor, token):
    other = services.token_create(user=agente, name="PC-02").token
    request = services.dial_request_create(user=agente, record=debtor, phone="+50688881234")
    services.dial_request_next(token=token)
    call = start(agente, dial_request_id=request.pk, token=token)
    assert services.hangup_request(user=agente, dial_request=request) == "requested"
    assert services.dial_request_next(token=other) is None
    assert services.dial_request_next(token=token) == {"action": "hangup", "call_uuid": str(call.uuid)}
    # Asking again re-sends it (the first answer may have been lost with a dropped poll).
    assert services.hangup_request(user=agente, call=call) == "requested"
    assert services.dial_request_next(token=token)["call_uuid"] == str(call.uuid)


def test_hangup_of_an_ended_call_does_nothing(agente, token):
    call = start(agente, token=token)
    end(agente, call, 10)
    call.refresh_from_db()
    assert services.hangup_request(user=agente, call=call) == "nothing"
    assert services.dial_request_next(token=token) is None


def test_a_pending_hangup_is_settled_when_the_call_ends(agente, token):
    call = start(agente, token=token)
    services.hangup_request(user=agente, call=call)
    end(agente, call, 10)
    assert services.dial_request_next(token=token) is None


def test_only_the_caller_hangs_up(agente, supervisor, token):
    call = start(agente, token=token)
    with pytest.raises(ValidationError):
        services.hangup_request(user=supervisor, call=call)


# --- call start and end ---------------------------------------------------------------------


def test_start_is_idempotent_by_uuid(agente):
    call_uuid = uuid.uuid4()
    first, created = services.call_start(user=agente, call_uuid=call_uuid, phone="+50688881234", started_at=T0)
    again, created_again = services.call_start(
        user=agente, call_uuid=call_uuid, phone="+50622223333", started_at=T0 + timedelta(hours=1)
    )
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk and CallLog.objects.count() == 1
    assert CallLog.objects.get().started_at == T0


def test_someone_elses_uuid_is_not_found(agente, agente_b):
    call = start(agente_b)
    with pytest.raises(services.NotFound):
        services.call_start(user=agente, call_uuid=call.uuid, phone="+50688881234", started_at=T0)
    with pytest.raises(services.NotFound):
        services.call_end(user=agente, call_uuid=call.uuid, status="COMPLETED", ended_at=T0)


@pytest.mark.parametrize("millis,expected", [(0, 95), (400, 95), (500, 96), (999, 96)])
def test_duration_is_rounded_to_the_nearest_second(agente, millis, expected):
    call = start(agente)
    answer = services.call_end(
        user=agente, call_uuid=call.uuid, status="COMPLETED", ended_at=T0 + timedelta(seconds=95, milliseconds=millis)
    )
    assert answer["duration_seconds"] == expected
    assert CallLog.objects.get().duration_seconds == expected


def test_end_is_idempotent_and_changes_nothing(agente):
    call = start(agente)
    first = end(agente, call, 60)
    later = start(agente)  # another call ends in between: the repeat still answers as before
    end(agente, later, 30)
    repeat = services.call_end(
        user=agente, call_uuid=call.uuid, status="FAILED", ended_at=T0 + timedelta(seconds=1), notes="otra"
    )
    assert repeat == first
    call.refresh_from_db()
    assert (call.status, call.duration_seconds, call.notes) == ("COMPLETED", 60, "")


def test_end_before_start_is_refused(agente):
    call = start(agente)
    with pytest.raises(ValidationError, match="before the call's started_at"):
        services.call_end(user=agente, call_uuid=call.uuid, status="COMPLETED", ended_at=T0 - timedelta(seconds=1))
    assert CallLog.objects.get().status is None


@pytest.mark.parametrize("status,expected", [("COMPLETED", "ended"), ("NO_ANSWER", "ended"), ("FAILED", "failed")])
def test_end_settles_the_dial_request(agente, debtor, token, status, expected):
    request = services.dial_request_create(user=agente, record=debtor, phone="+50688881234")
    services.dial_request_next(token=token)
    end(agente, start(agente, dial_request_id=request.pk, token=token), 5, status=status)
    request.refresh_from_db()
    assert request.status == expected


def test_day_figures_match_the_hand_computed_ones(agente, agente_b):
    # Seven calls of agente on 2 March (CRM time zone), one the day before, one of agente_b,
    # and one still in progress: only the six ended calls of the day count.
    for seconds, status in [
        (60, "COMPLETED"),
        (125, "COMPLETED"),
        (30, "NO_ANSWER"),
        (5, "BUSY"),
        (0, "FAILED"),
        (40, "DROPPED"),
    ]:
        end(agente, start(agente), seconds, status)
    end(agente, start(agente, at=T0 - timedelta(days=1)), 500)
    end(agente_b, start(agente_b), 700)
    start(agente)
    # 05:30 UTC on 3 March is 23:30 on 2 March in Costa Rica: it belongs to the 2nd.
    late = start(agente, at=datetime(2026, 3, 3, 5, 30, tzinfo=UTC))
    answer = end(agente, late, 11, "COMPLETED")
    # answered: 60 + 125 + 11 = 196 s over 3 calls → AHT 65.33 → 65; success 3 of 7 = 42.9 %.
    assert answer["today"] == {
        "date": "2026-03-02",
        "calls_made": 7,
        "answered": 3,
        "failed": 1,
        "not_answered": 2,
        "dropped": 1,
        "total_talk_seconds": 196,
        "average_handle_seconds": 65,
        "success_rate": 42.9,
    }


def test_average_handle_time_rounds_half_up(agente):
    end(agente, start(agente), 60)
    answer = end(agente, start(agente), 125)
    assert answer["today"]["average_handle_seconds"] == 93  # 92.5
    assert answer["today"]["success_rate"] == 100.0


def test_figures_of_a_day_without_calls(agente):
    from datetime import date

    assert selectors.agent_day_metrics(user=agente, day=date(2026, 3, 2))["average_handle_seconds"] == 0
    assert selectors.agent_day_metrics(user=agente, day=date(2026, 3, 2))["success_rate"] is None
