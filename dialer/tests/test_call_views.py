"""The call button, "Colgar" and logging a call by hand, through the test client."""

import json
import uuid
from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cartera.tests.factories import DebtorFactory, DebtorPhoneFactory
from core.realtime import team_group, user_group
from dialer import services
from dialer.choices import DialRequestStatus, Provider
from dialer.models import CallLog, DialRequest

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
PHONE = "+50688881234"


def record(debtor):
    return {"record_type": "cartera.debtor", "record_id": debtor.pk}


def dial(client, debtor, phone=PHONE, htmx=True, **extra):
    data = {**record(debtor), "phone": phone, **extra}
    return client.post(reverse("dialer:dial"), data, headers=HTMX if htmx else {})


def start(user, **kwargs):
    call, _ = services.call_start(
        user=user, call_uuid=uuid.uuid4(), phone=PHONE, started_at=timezone.now() - timedelta(seconds=30), **kwargs
    )
    return call


def online(user):
    """The user's workstation has just polled."""
    token = services.token_create(user=user, name="PC-01").token
    services.dial_request_next(token=token)
    return token


# --- The call button ------------------------------------------------------------------------


def test_dial_makes_a_request_and_tells_the_widget(login, agente, debtor, listen, django_capture_on_commit_callbacks):
    online(agente)
    mine = listen(user_group(agente.pk))
    card = reverse("cartera:debtor_detail", args=[debtor.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = dial(login(agente), debtor, phone="8888-1234", next=card)  # any written form of the number
    assert response.status_code == 200
    request = DialRequest.objects.get()
    assert (request.user, request.phone, request.dial_string, request.record) == (agente, PHONE, "88881234", debtor)
    event = {
        "dial_request_id": request.pk,
        "phone": PHONE,
        "user_id": agente.pk,
        "record": {"type": "cartera.debtor", "id": str(debtor.pk)},
    }
    assert json.loads(response["HX-Trigger"]) == {"crm:dial.requested": {**event, "online": True}}
    assert mine() == {"type": "crm.event", "event": "dial.requested", "payload": {**event, "ttl_seconds": 60}}
    # The button is drawn again, still the workstation's (and still coming back to the card).
    html = response.content.decode()
    assert 'data-testid="call-button"' in html and "tel:" not in html
    assert f'name="next" value="{card}"' in html


def test_dial_without_a_connected_workstation_offers_tel_and_manual_logging(login, agente, debtor):
    response = dial(login(agente), debtor)
    assert response.status_code == 200
    assert json.loads(response["HX-Trigger"])["crm:dial.requested"]["online"] is False
    html = response.content.decode()
    assert f'href="tel:{PHONE}"' in html and 'data-testid="manual-call-button"' in html
    assert DialRequest.objects.get().status == DialRequestStatus.QUEUED  # a workstation may still take it


def test_dial_without_javascript_comes_back_to_the_card(login, agente, debtor):
    card = reverse("cartera:debtor_detail", args=[debtor.pk])
    response = dial(login(agente), debtor, htmx=False, next=card)
    assert response.status_code == 302 and response["Location"] == card
    response = dial(login(agente), debtor, htmx=False, next="https://evil.example/")
    assert response["Location"] == card  # another site is never a "next"


@pytest.mark.parametrize(
    "phone, message",
    [
        ("abc", "inválido"),
        ("+50699990000", "inválido"),
        ("+50687776655", "Ese teléfono no es de este registro."),
        ("", "Faltan"),
    ],
)
def test_dial_refuses_a_phone_not_of_the_record(login, agente, debtor, phone, message):
    response = dial(login(agente), debtor, phone=phone)
    assert response.status_code == 400
    assert message.lower() in response.json()["error"].lower()
    card = reverse("cartera:debtor_detail", args=[debtor.pk])
    plain = dial(login(agente), debtor, phone=phone, htmx=False, next=card).content.decode()
    assert 'data-testid="refused"' in plain and f'href="{card}">Volver' in plain
    elsewhere = dial(login(agente), debtor, phone=phone, htmx=False, next="https://evil.example/")
    assert elsewhere.status_code == 400 and 'href="/">Volver' in elsewhere.content.decode()
    assert not DialRequest.objects.exists()


def test_nobody_dials_a_record_they_cannot_see(login, agente, agente_b, outsider, supervisor, campaign):
    theirs = DebtorFactory(campaign=campaign, assigned_agent=agente_b)
    DebtorPhoneFactory(debtor=theirs, e164=PHONE)
    foreign = DebtorFactory(assigned_agent=outsider)
    DebtorPhoneFactory(debtor=foreign, e164=PHONE)
    assert dial(login(agente), theirs).status_code == 404  # a team mate's debtor
    assert dial(login(agente), foreign).status_code == 404
    assert dial(login(supervisor), foreign).status_code == 404  # another team's campaign
    assert dial(login(supervisor), theirs).status_code == 200  # their team's
    client = login(agente)
    for bad in [{"record_type": "core.user"}, {"record_type": "cartera.gestion"}, {"record_id": "x"}]:
        data = {**record(theirs), "phone": PHONE, **bad}
        assert client.post(reverse("dialer:dial"), data, headers=HTMX).status_code == 404, bad
    assert DialRequest.objects.filter(user=agente).count() == 0


def test_dial_is_post_only(login, agente):
    assert login(agente).get(reverse("dialer:dial")).status_code == 405


# --- Colgar ---------------------------------------------------------------------------------


def hangup(client, **data):
    return client.post(reverse("dialer:hangup"), data, headers={"Accept": "application/json"})


def test_hangup_a_queued_request_cancels_it(login, agente, debtor, listen, django_capture_on_commit_callbacks):
    request = services.dial_request_create(user=agente, record=debtor, phone=PHONE)
    mine = listen(user_group(agente.pk))
    with django_capture_on_commit_callbacks(execute=True):
        response = hangup(login(agente), dial_request=request.pk)
    assert response.json() == {"result": "cancelled", "message": "Llamada cancelada antes de marcar."}
    request.refresh_from_db()
    assert request.status == DialRequestStatus.CANCELLED
    assert mine() == {
        "type": "crm.event",
        "event": "dial.cancelled",
        "payload": {"dial_request_id": request.pk, "user_id": agente.pk},
    }


def test_hangup_a_sent_request_before_its_start_reaches_the_workstation(login, agente, debtor):
    token = online(agente)
    request = services.dial_request_create(user=agente, record=debtor, phone=PHONE)
    assert services.dial_request_next(token=token)["id"] == request.pk  # the workstation took it
    assert hangup(login(agente), dial_request=request.pk).json()["result"] == "requested"
    assert services.dial_request_next(token=token) == {"action": "hangup", "dial_request_id": request.pk}


def test_hangup_a_call_in_progress(login, agente):
    call = start(agente)
    client = login(agente)
    assert hangup(client, call=call.pk).json()["result"] == "requested"
    call.refresh_from_db()
    assert call.hangup_requested_at is not None and call.hangup_sent_at is None
    services.call_end(user=agente, call_uuid=call.uuid, status="COMPLETED", ended_at=timezone.now())
    assert hangup(client, call=call.pk).json() == {"result": "nothing", "message": "Esa llamada ya había terminado."}


def test_hangup_without_javascript_comes_back(login, agente):
    call = start(agente)
    response = login(agente).post(reverse("dialer:hangup"), {"call": call.pk, "next": "/cartera/deudores/"})
    assert response.status_code == 302 and response["Location"] == "/cartera/deudores/"


def test_nobody_hangs_up_someone_elses_call(login, agente, agente_b, supervisor, admin, debtor):
    call = start(agente)
    request = services.dial_request_create(user=agente, record=debtor, phone=PHONE)
    for user in (agente_b, supervisor, admin):
        assert hangup(login(user), call=call.pk).status_code == 404
        assert hangup(login(user), dial_request=request.pk).status_code == 404
    call.refresh_from_db()
    request.refresh_from_db()
    assert call.hangup_requested_at is None and request.status == DialRequestStatus.QUEUED


@pytest.mark.parametrize("data", [{}, {"call": 1, "dial_request": 1}, {"call": "abc"}, {"call": -4}])
def test_hangup_needs_one_call_or_request(login, agente, data):
    response = hangup(login(agente), **data)
    assert response.status_code == 400 and response.json()["error"]


def test_hangup_of_an_unknown_call_is_404(login, agente):
    client = login(agente)
    assert hangup(client, call=999999).status_code == 404
    assert hangup(client, call=10**20).status_code == 404  # beyond any id column: still "no such call"
    assert hangup(client, dial_request=10**20).status_code == 404


def test_a_record_id_beyond_any_id_is_404(login, agente, debtor):
    data = {"record_type": "cartera.debtor", "record_id": str(10**20), "phone": PHONE}
    assert login(agente).post(reverse("dialer:dial"), data, headers=HTMX).status_code == 404


# --- The widget catching up -----------------------------------------------------------------


def test_current_call_tells_the_widget_what_is_running(login, agente, agente_b, debtor):
    client = login(agente)
    url = reverse("dialer:current_call")
    assert client.get(url).json() == {"call": None}
    call = start(agente)
    start(agente_b)  # someone else's call is never told
    body = client.get(url).json()["call"]
    started = body.pop("started_at")  # UTC, to the millisecond: what the timer counts from
    assert started.endswith("Z") and abs(datetime.fromisoformat(started) - call.started_at) < timedelta(milliseconds=1)
    assert body == {
        "call_id": call.pk,
        "call_uuid": str(call.uuid),
        "dial_request_id": None,
        "phone": PHONE,
        "user_id": agente.pk,
    }
    services.call_end(user=agente, call_uuid=call.uuid, status="COMPLETED", ended_at=timezone.now())
    assert client.get(url).json() == {"call": None}
    assert client.post(url).status_code == 405


# --- Logging a call by hand -----------------------------------------------------------------


def manual(client, debtor, htmx=True, **fields):
    data = {**record(debtor), "phone": PHONE, "status": "COMPLETED", **fields}
    return client.post(reverse("dialer:call_manual"), data, headers=HTMX if htmx else {})


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M:%S")


def test_manual_call_with_start_and_duration(
    login, agente, supervisor, debtor, listen, django_capture_on_commit_callbacks
):
    began = timezone.now().replace(microsecond=0) - timedelta(minutes=10)
    mine, team = listen(user_group(agente.pk)), listen(team_group(supervisor.pk))
    with django_capture_on_commit_callbacks(execute=True):
        response = manual(login(agente), debtor, started_at=local(began), duration_seconds="2:31", notes="por tel:")
    assert response.status_code == 200
    call = CallLog.objects.get()
    assert (call.user, call.record, call.campaign, call.phone) == (agente, debtor, debtor.campaign, PHONE)
    assert (call.provider, call.status, call.notes) == (Provider.MANUAL, "COMPLETED", "por tel:")
    assert (call.started_at, call.ended_at, call.duration_seconds) == (began, began + timedelta(seconds=151), 151)
    assert call.end_response["duration_seconds"] == 151
    logged = json.loads(response["HX-Trigger"])["crm:call.logged"]
    assert logged["call_id"] == call.pk and logged["label"] == "Llamada 02:31 · COMPLETADA"
    assert logged["record"] == {"type": "cartera.debtor", "id": str(debtor.pk)}
    assert 'data-testid="manual-call-logged"' in response.content.decode()
    # Like a workstation's call: the card attaches it, the supervisor's figures move.
    ended = mine()
    assert ended["event"] == "call.ended" and ended["payload"]["call_id"] == call.pk
    assert ended["payload"]["label"] == "Llamada 02:31 · COMPLETADA"
    figures = team()
    assert figures["event"] == "dialer.metrics" and figures["payload"]["calls_made"] == 1


def test_manual_call_with_start_and_end(login, agente, debtor):
    began = timezone.now().replace(microsecond=0) - timedelta(minutes=5)
    response = manual(login(agente), debtor, started_at=local(began), ended_at=local(began + timedelta(seconds=42)))
    assert response.status_code == 200
    assert CallLog.objects.get().duration_seconds == 42


def test_manual_call_without_javascript_comes_back_to_the_card(login, agente, debtor):
    began = timezone.now() - timedelta(minutes=5)
    response = manual(login(agente), debtor, htmx=False, started_at=local(began), duration_seconds="20")
    assert response.status_code == 302 and response["Location"] == reverse("cartera:debtor_detail", args=[debtor.pk])
    bad = manual(login(agente), debtor, htmx=False, started_at=local(began), duration_seconds="xx")
    assert bad.status_code == 400 and "La llamada no se registró" in bad.content.decode()
    assert CallLog.objects.count() == 1


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"status": "ANSWERED"}, "status", "Escoja una opción válida"),
        ({"status": ""}, "status", "Elige el resultado"),
        ({"ended_at": -timedelta(minutes=5), "duration_seconds": None}, "ended_at", "El fin es anterior al inicio."),
        ({"duration_seconds": None}, "ended_at", "Indica la hora de fin o la duración"),
        ({"ended_at": timedelta(minutes=1)}, "ended_at", "Indica la hora de fin o la duración"),  # both
        ({"duration_seconds": "2:75"}, "duration_seconds", "Los segundos y los minutos van de 0 a 59"),
        ({"duration_seconds": "dos"}, "duration_seconds", "minutos:segundos"),
        ({"duration_seconds": "9:00:00"}, "duration_seconds", "no dura más de 8 horas"),
        ({"started_at": timedelta(hours=1)}, "started_at", "no puede empezar en el futuro"),
        ({"started_at": "ayer"}, "started_at", "Introduzca una fecha/hora válida"),
        ({"phone": "+50687776655"}, "phone", "Ese teléfono no es de este registro."),
        ({"phone": "abc"}, "phone", "inválido"),
    ],
)
def test_manual_call_bad_input_is_a_form_error(login, agente, debtor, fields, field, message):
    began = timezone.now().replace(microsecond=0) - timedelta(minutes=30)
    data = {"started_at": local(began), "duration_seconds": "1:00"}
    for key, value in fields.items():
        if value is None:
            data.pop(key)
        elif isinstance(value, timedelta):  # a time that far from the start
            data[key] = local(began + value)
        else:
            data[key] = value
    response = manual(login(agente), debtor, **data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html, html
    assert f'name="{field}"' in html  # the form comes back with what was typed, to correct it
    assert not CallLog.objects.exists()


def test_nobody_logs_a_call_to_a_record_they_cannot_see(login, agente, agente_b, outsider, campaign):
    theirs = DebtorFactory(campaign=campaign, assigned_agent=agente_b)
    DebtorPhoneFactory(debtor=theirs, e164=PHONE)
    began = local(timezone.now() - timedelta(minutes=5))
    assert manual(login(agente), theirs, started_at=began, duration_seconds="30").status_code == 404
    assert manual(login(outsider), theirs, started_at=began, duration_seconds="30").status_code == 404
    data = {"record_type": "core.campaign", "record_id": campaign.pk, "phone": PHONE, "status": "COMPLETED"}
    assert login(agente).post(reverse("dialer:call_manual"), data, headers=HTMX).status_code == 404
    assert not CallLog.objects.exists()


# --- The service ----------------------------------------------------------------------------


def test_call_log_manual_checks_everything_and_writes_nothing_on_error(agente, debtor):
    now = timezone.now().replace(microsecond=0)
    with pytest.raises(ValidationError) as error:
        services.call_log_manual(
            user=agente, record=debtor, phone=PHONE, status="LOST", started_at=now, ended_at=now - timedelta(seconds=1)
        )
    assert set(error.value.message_dict) == {"status", "ended_at"}
    with pytest.raises(ValidationError) as error:
        services.call_log_manual(user=agente, record=debtor, phone=PHONE, status="BUSY", started_at=now)
    assert error.value.message_dict == {"ended_at": ["Indica la hora de fin o la duración (una de las dos)."]}
    with pytest.raises(ValidationError) as error:
        services.call_log_manual(
            user=agente, record=debtor, phone=PHONE, status="BUSY", started_at=now, duration_seconds=-1
        )
    assert error.value.message_dict == {"duration_seconds": ["La duración no puede ser negativa."]}
    assert not CallLog.objects.exists()


def test_call_log_manual_on_a_debtor_the_user_cannot_see(agente_b, debtor):
    with pytest.raises(ValidationError):
        services.call_log_manual(
            user=agente_b, record=debtor, phone=PHONE, status="BUSY", started_at=timezone.now(), duration_seconds=3
        )
    assert not CallLog.objects.exists()


def test_call_log_manual_allows_a_little_clock_difference(agente, debtor):
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        call = services.call_log_manual(
            user=agente,
            record=debtor,
            phone="8888 1234",
            status="NO_ANSWER",
            started_at=now + timedelta(seconds=50),
            duration_seconds=20,
        )
    assert (call.phone, call.duration_seconds, call.provider) == (PHONE, 20, "manual")
